using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.Backups;

/// <summary>The source-generated System.Text.Json metadata of <see cref="BackupManifest"/> (and of base backup manifests of layout 2): camelCase names, enums as camelCase strings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [
        typeof(CamelCaseEnumConverter<BackupFormat>), typeof(CamelCaseEnumConverter<BackupStatus>), typeof(CamelCaseEnumConverter<BackupCompression>),
        typeof(CamelCaseEnumConverter<BackupKind>), typeof(CamelCaseEnumConverter<BackupFileRole>)])]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(LegacyBaseBackupManifest))]
internal sealed partial class BackupManifestJsonContext : JsonSerializerContext;

/// <summary>Writes an enum as a camelCase string (<c>custom</c>, <c>verified</c>, <c>gzip</c>) and reads it in any case.</summary>
/// <typeparam name="T">The enum.</typeparam>
internal sealed class CamelCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where T : struct, Enum;
