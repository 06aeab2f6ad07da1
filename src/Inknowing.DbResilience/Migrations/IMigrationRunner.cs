namespace Inknowing.DbResilience.Migrations;

/// <summary>Applies, rolls back, lists and validates the migrations of the configured sources against the database.</summary>
public interface IMigrationRunner
{
    /// <summary>
    /// Applies the pending migrations in version order (each in its own transaction with its tracking rows), then the
    /// changed repeatable scripts, then the seeds when enabled, under a database-wide lock.
    /// </summary>
    /// <param name="request">The target version, dry run and seeds; <see langword="null"/> applies everything.</param>
    /// <param name="cancellationToken">Cancels the run; the migration in progress is rolled back.</param>
    /// <returns>What ran (or, for a dry run, what would run, with its SQL).</returns>
    /// <exception cref="MigrationException">A migration failed (the exception names version, file, line and SQLSTATE), or applied files changed, or a pending migration is out of order.</exception>
    /// <exception cref="MigrationLockTimeoutException">Another process held the migration lock for longer than the lock timeout.</exception>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not its own, or its history is empty while another tool's history is in the database (adopt it, baseline, or ignore it).</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid, a version is duplicated, or a rollback or seed has no migration.</exception>
    Task<MigrationRunResult> MigrateAsync(MigrateRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>Rolls back every applied migration newer than <paramref name="targetVersion"/>, newest first, each in its own transaction.</summary>
    /// <param name="targetVersion">The version to return to; it stays applied.</param>
    /// <param name="dryRun"><see langword="true"/> lists what would run and touches nothing.</param>
    /// <param name="cancellationToken">Cancels the run; the rollback in progress is undone.</param>
    /// <returns>What was rolled back.</returns>
    /// <exception cref="MigrationException">A version in the range has no rollback script or stored rollback SQL (reported before anything is touched), or a rollback failed.</exception>
    /// <exception cref="MigrationLockTimeoutException">Another process held the migration lock for longer than the lock timeout.</exception>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not its own, or its history is empty while another tool's history is in the database (adopt it, baseline, or ignore it).</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid or a version is duplicated.</exception>
    Task<MigrationRunResult> RollbackAsync(MigrationVersion targetVersion, bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>Lists every known migration, seed and repeatable script with its tracked state.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per script or tracked version, migrations in version order first.</returns>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not its own, or its history is empty while another tool's history is in the database (adopt it, baseline, or ignore it).</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid or a version is duplicated.</exception>
    Task<IReadOnlyList<MigrationStatusEntry>> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks applied files for changes (checksum drift), applied versions whose files are gone, pending versions older
    /// than the newest applied one, failed migrations, and the expected schema objects; records a <c>verify</c> history row.
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The problems found; empty when everything matches.</returns>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not its own, or its history is empty while another tool's history is in the database (adopt it, baseline, or ignore it).</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid or a version is duplicated.</exception>
    Task<MigrationValidationReport> ValidateAsync(CancellationToken cancellationToken = default);
}
