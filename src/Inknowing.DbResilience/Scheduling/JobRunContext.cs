namespace Inknowing.DbResilience.Scheduling;

/// <summary>What the scheduler tells a job about the run it starts.</summary>
/// <param name="JobName">The job's name, for example <c>backup-daily</c>.</param>
/// <param name="ScheduledFor">The instant of the cron expression this run is for, in UTC.</param>
/// <param name="IsCatchUp">Whether the run catches up an instant missed while the application was down.</param>
public sealed record JobRunContext(string JobName, DateTimeOffset ScheduledFor, bool IsCatchUp);
