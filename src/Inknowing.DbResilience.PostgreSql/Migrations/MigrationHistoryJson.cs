using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// The source-generated JSON of the <c>metadata</c> column of the migration history: camelCase, compact. No reflection,
/// so it works unchanged in a trimmed or NativeAOT application, and it is cheaper per migration.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScriptRunMetadata))]
[JsonSerializable(typeof(ValidationMetadata))]
internal sealed partial class MigrationHistoryJson : JsonSerializerContext;

/// <summary>The metadata of one script run: what ran, from where, and the restore point made before it.</summary>
internal sealed record ScriptRunMetadata(string Name, string Origin, string Checksum, bool Transactional, string? RestorePointName, string? RestorePointLsn);

/// <summary>The metadata of one validation: how many scripts were checked and what was found.</summary>
internal sealed record ValidationMetadata(int Checked, string[] Problems);
