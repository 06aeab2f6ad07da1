using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Drills;

/// <summary>The drill log messages (event ids 6200-6299).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "Recovery drill of backup {BackupId}: passed {Passed}, RTO {RtoSeconds:F1} s")]
    public static partial void DrillCompleted(ILogger logger, string backupId, bool passed, double rtoSeconds);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Dropped scratch database {Database}, left by a run of this host whose process is gone")]
    public static partial void AbandonedScratchDatabaseDropped(ILogger logger, string database);
}
