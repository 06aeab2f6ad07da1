namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>
/// Checks the integrity of a PostgreSQL database: row counts, orphaned rows of every foreign key, invalid indexes,
/// data checksum failures, replication lag and (with amcheck) B-tree index structure.
/// </summary>
public interface IIntegrityChecker
{
    /// <summary>Runs every check on the configured database.</summary>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>The report; a failed check is reported in it, not thrown.</returns>
    /// <exception cref="DbResilienceException">The database could not be reached.</exception>
    Task<IntegrityReport> CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs every check on the database of another connection string, such as a restored scratch copy.</summary>
    /// <param name="connectionString">The Npgsql connection string of the database to check.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>The report; a failed check is reported in it, not thrown.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="DbResilienceException">The database could not be reached.</exception>
    Task<IntegrityReport> CheckAsync(string connectionString, CancellationToken cancellationToken = default);
}
