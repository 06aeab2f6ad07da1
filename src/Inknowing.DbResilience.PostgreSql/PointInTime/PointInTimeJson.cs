using System.Text.Json;
using System.Text.Json.Serialization;
using Inknowing.DbResilience.Backups;

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
