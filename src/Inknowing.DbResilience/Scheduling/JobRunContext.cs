namespace Inknowing.DbResilience.Scheduling;

/// <summary>What the scheduler tells a job about the run it starts.</summary>
public sealed record JobRunContext
{
    /// <summary>Gets the job's name, for example <c>backup-daily</c>.</summary>
    public required string JobName { get; init; }

    /// <summary>Gets the instant of the cron expression this run is for, in UTC.</summary>
    public required DateTimeOffset ScheduledFor { get; init; }

    /// <summary>Gets a value indicating whether the run catches up an instant missed while the application was down.</summary>
    public required bool IsCatchUp { get; init; }
}
