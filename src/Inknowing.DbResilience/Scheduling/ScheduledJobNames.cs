namespace Inknowing.DbResilience.Scheduling;

/// <summary>The names of the built-in scheduled jobs, the keys of <see cref="SchedulerOptions.Jobs"/>.</summary>
public static class ScheduledJobNames
{
    /// <summary>The daily backup (tier <c>daily</c>), followed by retention. Default: every day at 02:00.</summary>
    public const string DailyBackup = "backup-daily";

    /// <summary>The weekly backup (tier <c>weekly</c>), followed by retention. Default: Sundays at 03:00.</summary>
    public const string WeeklyBackup = "backup-weekly";

    /// <summary>The monthly backup (tier <c>monthly</c>), followed by retention. Default: the 1st of the month at 04:00.</summary>
    public const string MonthlyBackup = "backup-monthly";

    /// <summary>The verification of the latest backup (every copy's size and SHA-256, the archive read by the restore tool). Default: every day at 06:00.</summary>
    public const string Verification = "verify";

    /// <summary>The integrity check of the protected database. Default: every hour.</summary>
    public const string Integrity = "integrity";

    /// <summary>The restore drill of the latest backup. Default: the 1st of the month at 05:00.</summary>
    public const string RestoreDrill = "drill";

    /// <summary>The point-in-time recovery drill, where point-in-time recovery is enabled. Default: the 15th of the month at 05:00.</summary>
    public const string PointInTimeDrill = "pitr-drill";

    /// <summary>The backup-age check: warns when the newest backup is older than <see cref="SchedulerOptions.MaxBackupAge"/>. Default: every 15 minutes.</summary>
    public const string BackupAge = "backup-age";
}
