namespace Inknowing.DbResilience.Scheduling;

/// <summary>One job of the schedule as configured: its cron expression, whether it runs, and its next instants.</summary>
public sealed record ScheduledJobInfo
{
    /// <summary>Gets the job's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the cron expression.</summary>
    public required string Cron { get; init; }

    /// <summary>Gets the time zone the expression is read in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>Gets a value indicating whether the configuration enables it.</summary>
    public required bool Enabled { get; init; }

    /// <summary>
    /// Gets a value indicating whether an implementation is registered and can run here (a point-in-time drill needs
    /// point-in-time recovery).
    /// </summary>
    public required bool Available { get; init; }

    /// <summary>Gets how long one run may take.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Gets what happens on start with an instant missed while the application was down.</summary>
    public required MissedRunPolicy MissedRuns { get; init; }

    /// <summary>
    /// Gets the next instants of its cron expression, in UTC; empty when it is disabled. An unavailable job skips them.
    /// </summary>
    public required IReadOnlyList<DateTimeOffset> NextRuns { get; init; }
}
