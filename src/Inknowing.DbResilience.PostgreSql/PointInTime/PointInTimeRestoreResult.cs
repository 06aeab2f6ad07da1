using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.Clusters;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What a point-in-time restore did.</summary>
public sealed record PointInTimeRestoreResult
{
    /// <summary>Gets the restored data directory.</summary>
    public required string TargetDirectory { get; init; }

    /// <summary>Gets the directory of staged WAL files that <c>restore_command</c> reads; removed once recovery ended.</summary>
    public required string WalStagingDirectory { get; init; }

    /// <summary>Gets the target.</summary>
    public required RecoveryTarget Target { get; init; }

    /// <summary>Gets the base backup restored.</summary>
    public required BackupManifest BaseBackup { get; init; }

    /// <summary>Gets the recoverable window checked before anything was written.</summary>
    public required RecoverableWindow Window { get; init; }

    /// <summary>Gets the number of WAL files staged.</summary>
    public int WalFilesStaged { get; init; }

    /// <summary>Gets the port the cluster listens on (when started) or is configured for.</summary>
    public int Port { get; init; }

    /// <summary>Gets the server's own words on where recovery stopped, such as <c>recovery stopping before commit of transaction 812</c>.</summary>
    public string? RecoveryStop { get; init; }

    /// <summary>
    /// Gets the least position replay must pass for the restore to be complete: for latest, the start of the last complete
    /// record of the staged WAL (replay must end after it); for an LSN target, the target. <see langword="null"/> for other targets,
    /// which PostgreSQL itself refuses to promote short of. When the cluster is not started, check
    /// <c>SELECT pg_last_wal_replay_lsn()</c> against it once recovery has ended.
    /// </summary>
    public string? ExpectedReplayLsn { get; init; }

    /// <summary>Gets where replay ended (<c>pg_last_wal_replay_lsn()</c>) when the cluster was started; <see langword="null"/> otherwise.</summary>
    public string? ReplayedToLsn { get; init; }

    /// <summary>Gets the commit time of the last transaction replayed when the cluster was started (<c>pg_last_xact_replay_timestamp()</c>).</summary>
    public DateTimeOffset? LastReplayedCommit { get; init; }

    /// <summary>
    /// Gets where and why recovery stopped short of the end of the archive, when <see cref="PointInTimeRestoreRequest.AllowEarlyStop"/>
    /// allowed it; <see langword="null"/> when everything the target needs was replayed.
    /// </summary>
    public PointInTimeEarlyStop? EarlyStop { get; init; }

    /// <summary>Gets how long the restore took, including recovery when started.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// Gets the running restored cluster when <see cref="PointInTimeRestoreRequest.Start"/> was set; disposing it stops the
    /// server (the data directory stays). <see langword="null"/> otherwise.
    /// </summary>
    public LocalPostgreSqlCluster? Cluster { get; init; }
}
