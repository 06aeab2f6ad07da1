namespace Inknowing.DbResilience.Scheduling;

/// <summary>The scheduler's options: the time zone of the cron expressions and each job's schedule.</summary>
public sealed class SchedulerOptions
{
    /// <summary>
    /// Gets or sets the time zone the cron expressions are read in, as an IANA id such as <c>Europe/Berlin</c> (daylight
    /// saving time is followed: a time that does not exist on the day clocks go forward runs right after the gap, one that
    /// exists twice runs once). The default value is <c>UTC</c>.
    /// </summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// Gets or sets the age of the newest backup above which the backup-age job warns. The default value is 25 hours.
    /// </summary>
    public TimeSpan MaxBackupAge { get; set; } = TimeSpan.FromHours(25);

    /// <summary>
    /// Gets or sets a value indicating whether each backup job applies retention (<c>IBackupService.PruneAsync</c>) after a
    /// successful backup. The default value is <see langword="true"/>.
    /// </summary>
    public bool PruneAfterBackup { get; set; } = true;

    /// <summary>
    /// Gets the schedule of each job by name (<see cref="ScheduledJobNames"/>, and the names given to
    /// <c>AddScheduledJob</c>). The default value holds the built-in jobs: daily backup 02:00, weekly Sunday 03:00, monthly on
    /// the 1st at 04:00, verification daily 06:00, integrity hourly, restore drill on the 1st at 05:00, point-in-time drill on
    /// the 15th at 05:00, backup-age check every 15 minutes.
    /// </summary>
    public IDictionary<string, JobScheduleOptions> Jobs { get; } = new Dictionary<string, JobScheduleOptions>(StringComparer.OrdinalIgnoreCase)
    {
        [ScheduledJobNames.DailyBackup] = new() { Cron = "0 2 * * *", MissedRuns = MissedRunPolicy.RunOnce },
        [ScheduledJobNames.WeeklyBackup] = new() { Cron = "0 3 * * 0", MissedRuns = MissedRunPolicy.RunOnce },
        [ScheduledJobNames.MonthlyBackup] = new() { Cron = "0 4 1 * *", MissedRuns = MissedRunPolicy.RunOnce },
        [ScheduledJobNames.Verification] = new() { Cron = "0 6 * * *" },
        [ScheduledJobNames.Integrity] = new() { Cron = "0 * * * *", Timeout = TimeSpan.FromMinutes(30) },
        [ScheduledJobNames.RestoreDrill] = new() { Cron = "0 5 1 * *" },
        [ScheduledJobNames.PointInTimeDrill] = new() { Cron = "0 5 15 * *" },
        [ScheduledJobNames.BackupAge] = new() { Cron = "*/15 * * * *", Timeout = TimeSpan.FromMinutes(5) },
    };
}
