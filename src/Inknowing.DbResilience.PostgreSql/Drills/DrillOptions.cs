namespace Inknowing.DbResilience.PostgreSql.Drills;

/// <summary>Options of recovery drills.</summary>
public sealed class DrillOptions
{
    /// <summary>Gets or sets the age above which the newest backup makes a drill fail as stale. The default value is 24 hours.</summary>
    public TimeSpan MaxBackupAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets the recovery time objective; a drill slower than this fails. The default value is one hour.</summary>
    public TimeSpan RtoObjective { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets the smoke queries run on the restored copy. Each must run without error and return at least one row; when its
    /// first column is a boolean it must be true. Empty by default.
    /// </summary>
    public IList<string> SmokeQueries { get; } = new List<string>();

    /// <summary>
    /// Gets or sets a value indicating whether the drill restores into a throwaway local cluster (initdb on this machine,
    /// fsync off) instead of a scratch database on the configured server. The default value is <see langword="false"/>.
    /// </summary>
    public bool UseThrowawayCluster { get; set; }

    /// <summary>Gets or sets the number of parallel pg_restore jobs. The default value is 2.</summary>
    public int Jobs { get; set; } = 2;

    /// <summary>Gets or sets a value indicating whether the integrity checks run on the restored copy. The default value is <see langword="true"/>.</summary>
    public bool RunIntegrityChecks { get; set; } = true;
}
