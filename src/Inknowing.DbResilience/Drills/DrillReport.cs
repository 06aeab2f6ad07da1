using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Drills;

/// <summary>
/// The outcome of a recovery drill of either kind: each step with its duration, the row counts (logical backups), the measured
/// recovery time, and for point-in-time drills the marker, the target and the measured recovery point.
/// </summary>
public sealed record DrillReport
{
    /// <summary>Gets the kind of backup drilled: logical (restored by pg_restore or psql) or base (restored and replayed to a point). The default value is <see cref="BackupKind.Logical"/>.</summary>
    public BackupKind Kind { get; init; }

    /// <summary>Gets a value indicating whether every step passed and the recovery time met its objective.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets the backup that was restored (for a point-in-time drill, the base backup), or <see langword="null"/> when none could be chosen.</summary>
    public required string? BackupId { get; init; }

    /// <summary>Gets when the drill started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the drill ended, clean-up included.</summary>
    public required DateTimeOffset CompletedAt { get; init; }

    /// <summary>
    /// Gets the measured recovery time: from the start of the restore (checksum verification included) to the moment the
    /// copy was verified (row counts, integrity checks, smoke queries); <see langword="null"/> when the restore did not run.
    /// </summary>
    public required TimeSpan? Rto { get; init; }

    /// <summary>Gets the recovery time objective the drill was measured against.</summary>
    public required TimeSpan RtoObjective { get; init; }

    /// <summary>Gets the age of the backup when the drill started (the recovery point a real restore would reach).</summary>
    public TimeSpan? BackupAge { get; init; }

    /// <summary>Gets the steps, in order.</summary>
    public required IReadOnlyList<DrillStep> Steps { get; init; }

    /// <summary>Gets the expected and restored row count of each table of the manifest; empty for a base backup.</summary>
    public required IReadOnlyList<DrillTableResult> Tables { get; init; }

    /// <summary>Gets why the drill failed, or <see langword="null"/> when it passed.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Gets how long the drill took, clean-up included.</summary>
    public TimeSpan Duration => CompletedAt - StartedAt;

    /// <summary>Gets the marker row a point-in-time drill inserted and then deleted, or <see langword="null"/>.</summary>
    public string? Marker { get; init; }

    /// <summary>Gets the time a point-in-time drill restored to (after the marker's insert, before its delete), or <see langword="null"/>.</summary>
    public DateTimeOffset? TargetTime { get; init; }

    /// <summary>
    /// Gets the measured recovery point of a point-in-time drill: how far the newest WAL safely in storage lagged behind the last
    /// committed transaction when the drill began (what a disaster at that instant would have lost); for a logical backup see
    /// <see cref="BackupAge"/>.
    /// </summary>
    public TimeSpan? Rpo { get; init; }

    /// <summary>Gets how long the WAL holding a point-in-time drill's delete took to be safely in storage after its commit.</summary>
    public TimeSpan? ArchiveLag { get; init; }

    /// <summary>Gets the server's words on where recovery stopped (base backups), or <see langword="null"/>.</summary>
    public string? RecoveryStop { get; init; }
}
