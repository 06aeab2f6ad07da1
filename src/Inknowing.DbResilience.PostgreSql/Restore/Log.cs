using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>The restore log messages (event ids 6000-6099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Restoring backup {BackupId} into database {Target} with {Jobs} job(s)")]
    public static partial void RestoreStarting(ILogger logger, string backupId, string target, int jobs);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Restored backup {BackupId} into database {Target} in {Seconds:F1} s")]
    public static partial void RestoreCompleted(ILogger logger, string backupId, string target, double seconds);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Table restore of {Table} from backup {BackupId} planned: {Mode}, {RowsInBackup} rows in the backup, {RowsInLive} live")]
    public static partial void TableRestorePlanned(ILogger logger, string table, string backupId, Inknowing.DbResilience.Restore.TableRestoreMode mode, long rowsInBackup, long rowsInLive);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Could not record the recovery in the recovery_history table: {Reason}")]
    public static partial void HistoryNotRecorded(ILogger logger, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Dropped scratch database {Database}, left by a run of this host whose process is gone")]
    public static partial void AbandonedScratchDatabaseDropped(ILogger logger, string database);
}
