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
    public required BaseBackupManifest BaseBackup { get; init; }

    /// <summary>Gets the recoverable window checked before anything was written.</summary>
    public required RecoverableWindow Window { get; init; }

    /// <summary>Gets the number of WAL files staged.</summary>
    public int WalFilesStaged { get; init; }

    /// <summary>Gets the port the cluster listens on (when started) or is configured for.</summary>
    public int Port { get; init; }

    /// <summary>Gets the server's own words on where recovery stopped, such as <c>recovery stopping before commit of transaction 812</c>.</summary>
    public string? RecoveryStop { get; init; }

    /// <summary>Gets how long the restore took, including recovery when started.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// Gets the running restored cluster when <see cref="PointInTimeRestoreRequest.Start"/> was set; disposing it stops the
    /// server (the data directory stays). <see langword="null"/> otherwise.
    /// </summary>
    public LocalPostgreSqlCluster? Cluster { get; init; }
}
