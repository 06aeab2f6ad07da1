namespace Inknowing.DbResilience.PostgreSql.Diagnostics;

/// <summary>Reads what a backup or restore depends on from the server and the local tools, without changing anything.</summary>
public interface IPostgreSqlInspector
{
    /// <summary>Connects to the configured database and reads its version and the settings that backups and recovery rely on.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What was found.</returns>
    /// <exception cref="DbResilienceException">The database could not be reached; the message says why, without the password.</exception>
    Task<PostgreSqlServerInfo> InspectAsync(CancellationToken cancellationToken = default);
}
