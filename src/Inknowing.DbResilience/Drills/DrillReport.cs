namespace Inknowing.DbResilience.Drills;

/// <summary>The outcome of a recovery drill: each step with its duration, the row counts, and the measured recovery time.</summary>
public sealed record DrillReport
{
    /// <summary>Gets a value indicating whether every step passed and the recovery time met its objective.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets the backup that was restored, or <see langword="null"/> when none could be chosen.</summary>
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

    /// <summary>Gets the expected and restored row count of each table of the manifest.</summary>
    public required IReadOnlyList<DrillTableResult> Tables { get; init; }

    /// <summary>Gets why the drill failed, or <see langword="null"/> when it passed.</summary>
    public string? FailureReason { get; init; }
}
