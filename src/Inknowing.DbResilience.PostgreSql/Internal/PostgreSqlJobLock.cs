using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// The <see cref="IJobLock"/> of the protected database: a session-level advisory lock per job and schema, held on a
/// connection of its own for the length of the job.
/// </summary>
/// <remarks>
/// A second process that asks for the same job is refused at once rather than made to wait: the job it wanted is being run
/// (a backup of the same database, the same retention pass, a drill), so running it again right after only doubles the load
/// on the primary and the bytes in storage. The refusal names the holder and is transient, so a scheduler can retry.
/// </remarks>
internal sealed class PostgreSqlJobLock(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<DbResilienceOptions> library) : IJobLock
{
    public async Task<IAsyncDisposable> AcquireAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        var key = AdvisoryLock.KeyFor(job, library.Value.Schema);
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new DbResilienceException($"Could not connect to the database to take the {job} lock: {ex.Message}", ex);
        }

        try
        {
            if (await AdvisoryLock.TryAcquireAsync(connection, key, cancellationToken).ConfigureAwait(false))
            {
                return new Held(connection, key);
            }

            var holder = await AdvisoryLock.DescribeHolderAsync(connection, key, cancellationToken).ConfigureAwait(false);
            throw new ConcurrentJobException(
                $"Another {job} of database '{connection.Database}' is running, in {holder}; nothing was done. "
                + "Wait for it to finish and try again, or end that session with pg_terminate_backend(pid) if it is stuck: PostgreSQL releases the lock when it ends.")
            {
                Job = job,
            };
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await AdvisoryLock.ReleaseAsync(connection, key).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
