namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Brings an existing database under the library's migrations: finds other tools' histories, imports one as the library's
/// applied versions, or records a hand-built database as migrated up to a version.
/// </summary>
public interface IMigrationAdopter
{
    /// <summary>Lists every migration history table in the database that is not the library's history in its configured schema.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The tables found, each with whose it looks like; empty when there are none.</returns>
    Task<IReadOnlyList<ForeignMigrationHistory>> DetectAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Imports another tool's history as the library's applied versions, matched to the migration files by version and name,
    /// in one transaction under the migration lock; a dry run returns the mapping and changes nothing.
    /// </summary>
    /// <param name="request">Whose history, from where, and whether to rename it aside; <see langword="null"/> imports the only one found.</param>
    /// <param name="cancellationToken">Cancels the adoption; nothing is written unless it completes.</param>
    /// <returns>The mapping: every history row and file, what was recorded for each, and notes.</returns>
    /// <exception cref="MigrationException">
    /// No such history, several and none chosen, the library's history is not empty, a file of an imported version has
    /// another name that no checksum confirms, or a renamed table's new name is taken; nothing was changed.
    /// </exception>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not the library's and <see cref="MigrationAdoptionRequest.RenameSource"/> is not set.</exception>
    /// <exception cref="MigrationLockTimeoutException">Another process held the migration lock for longer than the lock timeout.</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid or a version is duplicated.</exception>
    Task<MigrationAdoptionResult> AdoptAsync(MigrationAdoptionRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records every migration up to <paramref name="version"/> as applied without running it (a database built by hand, or
    /// restored from elsewhere), as Flyway's baseline does; later versions stay pending.
    /// </summary>
    /// <param name="version">The last version that the database already has.</param>
    /// <param name="dryRun"><see langword="true"/> returns what would be recorded and changes nothing.</param>
    /// <param name="cancellationToken">Cancels the baseline; nothing is written unless it completes.</param>
    /// <returns>The versions recorded (status <c>baselined</c>) and those left pending.</returns>
    /// <exception cref="MigrationException">The library's history is not empty, or no migration file has a version up to <paramref name="version"/>; nothing was changed.</exception>
    /// <exception cref="ForeignMigrationHistoryException">The library's schema holds tables of its names that are not the library's.</exception>
    /// <exception cref="MigrationLockTimeoutException">Another process held the migration lock for longer than the lock timeout.</exception>
    /// <exception cref="DbResilienceConfigurationException">A script name is invalid or a version is duplicated.</exception>
    Task<MigrationAdoptionResult> BaselineAsync(MigrationVersion version, bool dryRun = false, CancellationToken cancellationToken = default);
}
