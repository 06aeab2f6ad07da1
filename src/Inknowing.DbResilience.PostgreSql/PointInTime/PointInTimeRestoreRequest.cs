namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What to restore, where, and whether to start the restored cluster.</summary>
public sealed record PointInTimeRestoreRequest
{
    /// <summary>Gets the data directory to create; it must not exist or be empty.</summary>
    public required string TargetDirectory { get; init; }

    /// <summary>Gets the point to recover to.</summary>
    public required RecoveryTarget Target { get; init; }

    /// <summary>
    /// Gets the base backup to start from. The default value is <see langword="null"/>: the newest one before a time or LSN
    /// target; for a transaction id or restore point, the oldest restorable one (the target may lie anywhere in the window).
    /// </summary>
    public string? BaseBackupId { get; init; }

    /// <summary>Gets the TCP port the restored cluster listens on (on 127.0.0.1). The default value is 0: a free port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Gets a value indicating whether to start the restored cluster, wait until recovery has ended and check the target was
    /// reached. The default value is <see langword="false"/>: only prepare the directory.
    /// </summary>
    public bool Start { get; init; }

    /// <summary>
    /// Gets a value indicating whether a restore that replays to the end of the archive (latest, a transaction id or a restore
    /// point) may stop at the last consistent point before a missing or damaged WAL file, and report what was not replayed
    /// (<see cref="PointInTimeRestoreResult.EarlyStop"/>). The default value is <see langword="false"/>: such a restore is refused
    /// before anything is written, naming the file. Time and LSN targets are always refused when WAL they need is missing or damaged.
    /// </summary>
    public bool AllowEarlyStop { get; init; }

    /// <summary>
    /// Gets a value indicating whether to replace a target directory (and its <c>-wal</c> staging directory) that is not empty,
    /// such as one a restore killed before it finished left: a server running in it is stopped and everything in both is deleted,
    /// once the restore's plan has been checked. The default value is <see langword="false"/>: such a directory is refused.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>Gets more server settings for the restored cluster, such as <c>fsync = off</c> for a throwaway drill.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
