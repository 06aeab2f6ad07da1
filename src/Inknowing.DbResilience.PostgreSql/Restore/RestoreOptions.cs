namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>Options of restores and table-level restores.</summary>
public sealed class RestoreOptions
{
    /// <summary>
    /// Gets or sets the directory for local temporary copies of backups (parallel restores, directory-format backups).
    /// The default value is <see langword="null"/>: the system's temporary directory.
    /// </summary>
    public string? TempDirectory { get; set; }

    /// <summary>
    /// Gets or sets the database to connect to when creating, dropping or probing other databases.
    /// The default value is <c>postgres</c>.
    /// </summary>
    public string MaintenanceDatabase { get; set; } = "postgres";

    /// <summary>Gets or sets the name prefix of scratch databases created for table-level restores and drills. The default value is <c>dbresilience_scratch</c>.</summary>
    public string ScratchDatabasePrefix { get; set; } = "dbresilience_scratch";

    /// <summary>Gets or sets a value indicating whether restores and drills are recorded in the recovery_history table (in the library's schema, <see cref="DbResilienceOptions.Schema"/>). The default value is <see langword="true"/>.</summary>
    public bool RecordHistory { get; set; } = true;

    /// <summary>Gets or sets who is recorded as having performed a restore. The default value is <see langword="null"/>: the operating-system user.</summary>
    public string? PerformedBy { get; set; }
}
