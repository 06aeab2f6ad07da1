using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.Backups;

/// <summary>The source-generated System.Text.Json metadata of <see cref="BackupManifest"/>: camelCase, enums as camelCase strings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupManifestJsonContext : JsonSerializerContext;
