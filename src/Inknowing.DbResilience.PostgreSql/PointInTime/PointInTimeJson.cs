using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The JSON settings of base backup manifests: camelCase, enums as strings, indented.</summary>
internal static class PointInTimeJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
