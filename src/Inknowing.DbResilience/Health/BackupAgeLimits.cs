namespace Inknowing.DbResilience.Health;

/// <summary>How old a tier's newest backup may be.</summary>
public sealed class BackupAgeLimits
{
    /// <summary>Gets or sets the age above which health is Degraded. The default value is 8 days.</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromDays(8);

    /// <summary>Gets or sets the age above which health is Unhealthy. The default value is 15 days.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromDays(15);
}
