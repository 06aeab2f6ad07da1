using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Notifications;

/// <summary>The notifications' log messages (event ids 9100-9199). Never logs webhook URLs, addresses' passwords or payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9100, Level = LogLevel.Debug, Message = "Notifier {Notifier} sent a {Severity} notification about {Operation}")]
    public static partial void NotificationSent(ILogger logger, string notifier, NotificationOperation operation, NotificationSeverity severity);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Notifier {Notifier} could not send a notification about {Operation}; the operation is not affected")]
    public static partial void NotifierFailed(ILogger logger, string notifier, NotificationOperation operation, Exception exception);
}
