namespace Inknowing.DbResilience.Scheduling;

/// <summary>What one run of a job did, as the job reports it; the scheduler adds the timings.</summary>
public sealed record JobRunResult
{
    /// <summary>Gets how the run ended.</summary>
    public required JobOutcome Outcome { get; init; }

    /// <summary>Gets one line on what was done or found, for people (the job history, notifications); never a secret.</summary>
    public string? Summary { get; init; }

    /// <summary>Gets the database the job worked on, by name, or <see langword="null"/> for the configured one.</summary>
    public string? Database { get; init; }

    /// <summary>Gets the bytes the run wrote (a backup's size), or <see langword="null"/>.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Gets the backup the run made, verified or restored, or <see langword="null"/>.</summary>
    public string? BackupId { get; init; }

    /// <summary>Gets the recovery time a drill measured, or <see langword="null"/>.</summary>
    public TimeSpan? Rto { get; init; }

    /// <summary>Gets the recovery time objective a drill was measured against, or <see langword="null"/>.</summary>
    public TimeSpan? RtoObjective { get; init; }

    /// <summary>Returns a successful result.</summary>
    /// <param name="summary">What was done.</param>
    /// <returns>The result.</returns>
    public static JobRunResult Success(string? summary = null) => new() { Outcome = JobOutcome.Succeeded, Summary = summary };
}
