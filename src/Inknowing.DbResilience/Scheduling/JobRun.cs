namespace Inknowing.DbResilience.Scheduling;

/// <summary>One run of a scheduled job as the job history records it.</summary>
public sealed record JobRun
{
    /// <summary>Gets the run's id in the history.</summary>
    public required long Id { get; init; }

    /// <summary>Gets the job's name.</summary>
    public required string Job { get; init; }

    /// <summary>Gets the instant of the schedule the run was for (one run per job and instant, whichever replica ran it).</summary>
    public required DateTimeOffset ScheduledFor { get; init; }

    /// <summary>Gets when the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the run ended, or <see langword="null"/> while it runs (or when its process died during it).</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets how the run ended, or <see langword="null"/> while it runs.</summary>
    public JobOutcome? Outcome { get; init; }

    /// <summary>Gets how long the run took, or <see langword="null"/> while it runs.</summary>
    public TimeSpan? Duration => FinishedAt - StartedAt;

    /// <summary>Gets the one-line summary the job reported.</summary>
    public string? Summary { get; init; }

    /// <summary>Gets why the run failed or timed out, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets which process ran it: host, process id and scheduler instance.</summary>
    public required string Runner { get; init; }

    /// <summary>Gets whether the run caught up an instant missed while the application was down.</summary>
    public bool IsCatchUp { get; init; }

    /// <summary>Gets the bytes the run wrote, or <see langword="null"/>.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Gets the backup the run made, verified or restored, or <see langword="null"/>.</summary>
    public string? BackupId { get; init; }

    /// <summary>Gets the recovery time a drill measured, or <see langword="null"/>.</summary>
    public TimeSpan? Rto { get; init; }

    /// <summary>Gets the recovery time objective of a drill, or <see langword="null"/>.</summary>
    public TimeSpan? RtoObjective { get; init; }
}
