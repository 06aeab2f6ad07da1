namespace Inknowing.DbResilience.Scheduling;

/// <summary>When and how one scheduled job runs: one entry of <see cref="SchedulerOptions.Jobs"/>.</summary>
public sealed class JobScheduleOptions
{
    /// <summary>
    /// Gets or sets the cron expression, in <see cref="SchedulerOptions.TimeZone"/>: five fields (minute hour day-of-month
    /// month day-of-week) or six with seconds first. The default value is <see langword="null"/>, which is invalid: every job
    /// needs one (the built-in jobs have theirs).
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>Gets or sets a value indicating whether the job runs. The default value is <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how long one run may take before it is cancelled and recorded as timed out; the scheduler goes on either
    /// way. The default value is 2 hours.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Gets or sets what happens on start with an instant missed while the application was down. The default value is
    /// <see cref="MissedRunPolicy.Skip"/> (the built-in backups use <see cref="MissedRunPolicy.RunOnce"/>).
    /// </summary>
    public MissedRunPolicy MissedRuns { get; set; } = MissedRunPolicy.Skip;
}
