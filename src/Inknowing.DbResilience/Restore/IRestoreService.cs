namespace Inknowing.DbResilience.Restore;

/// <summary>Restores backups by id (or <c>latest</c>): whole databases, chosen tables or schemas, or one table's rows into the live database.</summary>
public interface IRestoreService
{
    /// <summary>Finds the backup, verifies its checksum, then restores it into the target database.</summary>
    /// <param name="request">What to restore, and where.</param>
    /// <param name="cancellationToken">Cancels the restore and kills the tools it runs.</param>
    /// <returns>What was restored.</returns>
    /// <exception cref="RestoreException">No such backup, the target exists without force, the checksum does not match, or the restore failed.</exception>
    Task<RestoreResult> RestoreAsync(RestoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores one table from a backup into a scratch database, plans how its rows come into the live database, and
    /// (unless <see cref="TableRestoreRequest.DryRun"/>) carries the plan out in one transaction that re-checks every foreign key.
    /// </summary>
    /// <param name="request">Which table, and how.</param>
    /// <param name="cancellationToken">Cancels the restore; the transaction is rolled back and the scratch database dropped.</param>
    /// <returns>The plan and what was done.</returns>
    /// <exception cref="RestoreException">The backup or table is missing, or a foreign key would be broken (nothing is committed).</exception>
    Task<TableRestoreResult> RestoreTableAsync(TableRestoreRequest request, CancellationToken cancellationToken = default);
}
