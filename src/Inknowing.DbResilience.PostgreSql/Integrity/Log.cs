using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>The integrity checker's log messages (event ids 6100-6199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Integrity of database {Database} checked: {Status} in {ElapsedMilliseconds:F0} ms")]
    public static partial void IntegrityChecked(ILogger logger, string database, IntegrityStatus status, double elapsedMilliseconds);
}
