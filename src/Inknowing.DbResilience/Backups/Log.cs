using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Backups;

/// <summary>The log messages of backups (event ids 5000-5099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Backup {BackupId} started ({Format}, tier {Tier})")]
    public static partial void BackupStarted(ILogger logger, string backupId, BackupFormat format, string tier);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Backup {BackupId} completed: {SizeBytes} bytes, SHA-256 {Sha256}, {Locations} location(s), in {DurationMs} ms")]
    public static partial void BackupCompleted(ILogger logger, string backupId, long sizeBytes, string sha256, int locations, long durationMs);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Backup {BackupId} failed; its files were removed")]
    public static partial void BackupFailed(ILogger logger, string backupId, Exception exception);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Backup {BackupId}: the copy in {Storage} failed: {Reason}")]
    public static partial void CopyFailed(ILogger logger, string backupId, string storage, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "The backup catalog could not be updated for {BackupId} (storage remains the source of truth)")]
    public static partial void CatalogFailed(ILogger logger, string backupId, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "The manifest {Key} in {Storage} cannot be read")]
    public static partial void ManifestUnreadable(ILogger logger, string storage, string key, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Backup {BackupId} verification: {Result}")]
    public static partial void Verified(ILogger logger, string backupId, string result);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Retention deleted backup {BackupId}: {Reason}")]
    public static partial void Pruned(ILogger logger, string backupId, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Could not remove {Key} from {Storage}")]
    public static partial void CleanupFailed(ILogger logger, string storage, string key, Exception exception);
}
