namespace Inknowing.DbResilience.Backups;

/// <summary>
/// A mirror of the manifests kept in the database (the <c>backup_history</c> table) for queries and dashboards.
/// The manifests in storage are the source of truth: the backup service writes here best effort, and the catalog can
/// be rebuilt from storage at any time.
/// </summary>
public interface IBackupCatalog
{
    /// <summary>Inserts or updates the row of one backup.</summary>
    /// <param name="entry">The row.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the row is written.</returns>
    /// <exception cref="DbResilienceException">The database could not be written.</exception>
    Task RecordAsync(BackupCatalogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Reads the row of one backup back, so that verification can compare the checksum recorded when it was made.</summary>
    /// <param name="id">The backup id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The row, or <see langword="null"/> when there is none or the catalog cannot be read back (the default).</returns>
    /// <exception cref="DbResilienceException">The database could not be read.</exception>
    Task<BackupCatalogEntry?> FindAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult<BackupCatalogEntry?>(null);

    /// <summary>Removes the row of a deleted backup.</summary>
    /// <param name="id">The backup id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the row is gone.</returns>
    /// <exception cref="DbResilienceException">The database could not be written.</exception>
    Task RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Replaces every row with the given entries, in one transaction.</summary>
    /// <param name="entries">The rows, built from the manifests in storage.</param>
    /// <param name="cancellationToken">Cancels the call; nothing changes.</param>
    /// <returns>A task that completes when the catalog is rebuilt.</returns>
    /// <exception cref="DbResilienceException">The database could not be written.</exception>
    Task ReplaceAllAsync(IReadOnlyList<BackupCatalogEntry> entries, CancellationToken cancellationToken = default);
}
