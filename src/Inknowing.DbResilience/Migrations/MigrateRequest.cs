namespace Inknowing.DbResilience.Migrations;

/// <summary>What <see cref="IMigrationRunner.MigrateAsync"/> should do.</summary>
public sealed class MigrateRequest
{
    /// <summary>Gets or sets the last version to apply. The default value is <see langword="null"/> (apply all).</summary>
    public MigrationVersion? TargetVersion { get; set; }

    /// <summary>Gets or sets a value indicating whether to list what would run, with its SQL, and touch nothing. The default value is <see langword="false"/>.</summary>
    public bool DryRun { get; set; }

    /// <summary>Gets or sets whether to run the seed scripts after the migrations; <see langword="null"/> uses the configured default. The default value is <see langword="null"/>.</summary>
    public bool? RunSeeds { get; set; }
}
