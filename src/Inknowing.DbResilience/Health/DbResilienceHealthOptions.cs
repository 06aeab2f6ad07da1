namespace Inknowing.DbResilience.Health;

/// <summary>The thresholds of the library's health checks.</summary>
public sealed class DbResilienceHealthOptions
{
    /// <summary>Gets or sets the age of the newest backup (any tier) above which health is Degraded. The default value is 12 hours.</summary>
    public TimeSpan BackupDegradedAfter { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Gets or sets the age of the newest backup (any tier) above which health is Unhealthy. The default value is 25 hours.</summary>
    public TimeSpan BackupUnhealthyAfter { get; set; } = TimeSpan.FromHours(25);

    /// <summary>
    /// Gets the limits of each tier's newest backup, by tier (for example <c>weekly</c>: Degraded after 8 days, Unhealthy after
    /// 15); a tier listed here with no backup at all is Unhealthy. The default value is empty: only the newest backup of any
    /// tier is checked.
    /// </summary>
    public IDictionary<string, BackupAgeLimits> Tiers { get; } = new Dictionary<string, BackupAgeLimits>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the age of the last successful verification above which health is Degraded. The default value is 26 hours.</summary>
    public TimeSpan VerificationDegradedAfter { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Gets or sets the age of the last drill above which health is Degraded. The default value is 32 days.</summary>
    public TimeSpan DrillDegradedAfter { get; set; } = TimeSpan.FromDays(32);

    /// <summary>Gets or sets the age of the last integrity check above which health is Degraded. The default value is 2 hours.</summary>
    public TimeSpan IntegrityDegradedAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Gets or sets the WAL receiver's lag, in bytes, above which health is Degraded. The default value is 64 MiB.</summary>
    public long ReceiverLagDegradedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the least age of the last archived WAL segment, while complete segments wait to be archived, that is
    /// Degraded; twice <c>archive_timeout</c> when that is longer. The default value is 5 minutes.
    /// </summary>
    public TimeSpan ArchiveLagDegradedAfter { get; set; } = TimeSpan.FromMinutes(5);
}
