using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The log messages of point-in-time recovery (event ids 7000-7099).</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Debug, "WAL file {Name} is already stored with the same bytes everywhere")]
    public static partial void WalAlreadyStored(ILogger logger, string name);

    [LoggerMessage(7001, LogLevel.Information, "WAL file {Name} ({Size} bytes) stored in {Storages} storage(s)")]
    public static partial void WalPushed(ILogger logger, string name, long size, int storages);

    [LoggerMessage(7002, LogLevel.Debug, "WAL file {Name} fetched from {Storage}")]
    public static partial void WalFetched(ILogger logger, string name, string storage);

    [LoggerMessage(7003, LogLevel.Information, "WAL file {Name} is not archived")]
    public static partial void WalMissing(ILogger logger, string name);

    [LoggerMessage(7010, LogLevel.Information, "Base backup {Id} stored: {Size} bytes, WAL {StartLsn} to {StopLsn} on timeline {Timeline}")]
    public static partial void BaseBackupStored(ILogger logger, string id, long size, string startLsn, string stopLsn, uint timeline);

    [LoggerMessage(7020, LogLevel.Information, "Restoring base backup {Id} into {Directory} for target {Target}")]
    public static partial void RestoreStarted(ILogger logger, string id, string directory, string target);

    [LoggerMessage(7021, LogLevel.Information, "Staged {Count} WAL file(s) for recovery in {Directory}")]
    public static partial void WalStaged(ILogger logger, int count, string directory);

    [LoggerMessage(7022, LogLevel.Information, "Recovery ended: {Summary}")]
    public static partial void RecoveryEnded(ILogger logger, string summary);

    [LoggerMessage(7030, LogLevel.Information, "Retention removed base backup {Id}: {Reason}")]
    public static partial void BaseBackupRemoved(ILogger logger, string id, string reason);

    [LoggerMessage(7031, LogLevel.Information, "Retention removed {Count} WAL file(s) older than {Segment}")]
    public static partial void WalRemoved(ILogger logger, int count, string segment);

    [LoggerMessage(7040, LogLevel.Information, "WAL receiver streaming from slot {Slot} at segment {Segment} (synchronous: {Synchronous})")]
    public static partial void ReceiverStarted(ILogger logger, string slot, string segment, bool synchronous);

    [LoggerMessage(7041, LogLevel.Debug, "WAL receiver stored segment {Name}")]
    public static partial void ReceiverSegmentStored(ILogger logger, string name);

    [LoggerMessage(7042, LogLevel.Warning, "WAL receiver could not store the partial segment; retrying: {Reason}")]
    public static partial void ReceiverFlushFailed(ILogger logger, string reason);

    [LoggerMessage(7044, LogLevel.Information, "WAL receiver stored the timeline history file {Name}: the server was promoted")]
    public static partial void ReceiverHistoryStored(ILogger logger, string name);

    [LoggerMessage(7045, LogLevel.Warning, "WAL receiver cannot read the timeline history file {Name} ({Reason}): grant the role pg_read_server_files, or let archive_command store it; until then recovery cannot follow this timeline switch")]
    public static partial void ReceiverHistoryUnreadable(ILogger logger, string name, string reason);

    [LoggerMessage(7043, LogLevel.Warning, "WAL receiver stopped; reconnecting in {Delay}: {Reason}")]
    public static partial void ReceiverRestarting(ILogger logger, TimeSpan delay, string reason);
}
