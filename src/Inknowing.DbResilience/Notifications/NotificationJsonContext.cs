using System.Text.Json.Serialization;

namespace Inknowing.DbResilience.Notifications;

/// <summary>The source-generated JSON of notifications: the generic webhook's body and Slack's message.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DbResilienceNotification))]
[JsonSerializable(typeof(SlackMessage))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
