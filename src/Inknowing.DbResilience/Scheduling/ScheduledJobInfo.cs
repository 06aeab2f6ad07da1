namespace Inknowing.DbResilience.Scheduling;

/// <summary>One job of the schedule as configured: its cron expression, whether it runs, and its next instants.</summary>
/// <param name="Name">The job's name.</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="TimeZone">The time zone the expression is read in.</param>
/// <param name="Enabled">Whether the configuration enables it.</param>
/// <param name="Available">Whether an implementation is registered and can run here (a point-in-time drill needs point-in-time recovery).</param>
/// <param name="Timeout">How long one run may take.</param>
/// <param name="MissedRuns">What happens on start with an instant missed while the application was down.</param>
/// <param name="NextRuns">The next instants of its cron expression, in UTC; empty when it is disabled. An unavailable job skips them.</param>
public sealed record ScheduledJobInfo(
    string Name,
    string Cron,
    string TimeZone,
    bool Enabled,
    bool Available,
    TimeSpan Timeout,
    MissedRunPolicy MissedRuns,
    IReadOnlyList<DateTimeOffset> NextRuns);
