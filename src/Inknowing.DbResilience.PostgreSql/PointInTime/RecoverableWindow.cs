using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// The span of time (and WAL) a point-in-time restore can reach with the stored base backups and WAL, and the problems
/// of the WAL chain (gaps, timeline switches without history).
/// </summary>
public sealed record RecoverableWindow
{
    /// <summary>Gets the earliest restorable time: when the oldest restorable base backup ended; <see langword="null"/> when none is.</summary>
    public DateTimeOffset? Earliest { get; init; }

    /// <summary>Gets the earliest restorable WAL location, such as <c>0/2000100</c>.</summary>
    public string? EarliestLsn { get; init; }

    /// <summary>
    /// Gets the latest restorable time: when the last WAL file of the unbroken chain was stored (every transaction committed
    /// before it is in the archive).
    /// </summary>
    public DateTimeOffset? Latest { get; init; }

    /// <summary>Gets the end of the unbroken chain of stored WAL, such as <c>0/5000000</c>.</summary>
    public string? LatestLsn { get; init; }

    /// <summary>Gets the timeline at the end of the chain.</summary>
    public uint? LatestTimeline { get; init; }

    /// <summary>Gets the complete base backups, oldest first.</summary>
    public IReadOnlyList<BackupManifest> BaseBackups { get; init; } = [];

    /// <summary>Gets the ids of the base backups that can be restored (their WAL is complete).</summary>
    public IReadOnlyList<string> RestorableBaseBackups { get; init; } = [];

    /// <summary>
    /// Gets the base backup folders that hold data but no manifest (a backup being written, one that failed, or one whose manifest
    /// was deleted), one description each naming the file; they cannot be restored.
    /// </summary>
    public IReadOnlyList<string> IncompleteBaseBackups { get; init; } = [];

    /// <summary>Gets the number of stored WAL files.</summary>
    public int WalFiles { get; init; }

    /// <summary>Gets the problems found; empty when the chain is whole.</summary>
    public IReadOnlyList<WalChainProblem> Problems { get; init; } = [];

    /// <summary>Gets a value indicating whether at least one base backup can be restored.</summary>
    public bool IsRecoverable => RestorableBaseBackups.Count > 0;

    /// <summary>Describes the window for messages, such as <c>2026-11-21T02:00:00Z (0/2000100) to 2026-11-21T03:10:00Z (0/9000000)</c>.</summary>
    /// <returns>The description.</returns>
    public string Describe()
        => IsRecoverable
            ? $"{Earliest:O} ({EarliestLsn}) to {Latest:O} ({LatestLsn})"
            : "empty: no base backup with its WAL is stored";
}
