using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// The source-generated JSON metadata of base backup manifests: camelCase, enums as camelCase strings, indented. No
/// reflection, so it works unchanged in a trimmed or NativeAOT application.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    Converters = [typeof(CamelCaseEnumConverter<BaseBackupCompression>)])]
[JsonSerializable(typeof(BaseBackupManifest))]
internal sealed partial class PointInTimeJson : JsonSerializerContext;

/// <summary>Writes an enum as a camelCase string (<c>lz4</c>, <c>zstd</c>) and reads it in any case.</summary>
/// <typeparam name="T">The enum.</typeparam>
internal sealed class CamelCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where T : struct, Enum;
