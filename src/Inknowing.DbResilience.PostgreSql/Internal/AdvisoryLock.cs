using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// Session-level PostgreSQL advisory locks, keyed per database (advisory locks are) and per purpose and schema: what the
/// migration runner, backups, retention and drills take so that two processes never run the same job at once. PostgreSQL
/// releases a session lock when the session ends, so a crashed process never leaves one behind.
/// </summary>
/// <remarks>
/// Locks are taken with <c>pg_try_advisory_lock</c>, never the blocking <c>pg_advisory_lock</c>: a backend blocked in a lock
/// wait holds a snapshot, and CREATE INDEX CONCURRENTLY run by the holder would wait for it while the waiter waits for the
/// lock, a deadlock PostgreSQL cannot see. Waiting, where a caller wants it, is polling from the client.
/// </remarks>
internal static class AdvisoryLock
{
    /// <summary>Returns the lock key of a purpose (<c>migrate</c>, <c>backup</c>, ...) in a schema.</summary>
    public static long KeyFor(string purpose, string schema)
        => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"Inknowing.DbResilience/{purpose}/{schema}")), 0);

    /// <summary>Tries once to take the lock on the connection's session.</summary>
    public static async Task<bool> TryAcquireAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_catalog.pg_try_advisory_lock($1)", connection) { Parameters = { new NpgsqlParameter { Value = key } } };
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }
    }

    /// <summary>Releases the lock; a broken connection has already released it with its session.</summary>
    public static async Task ReleaseAsync(NpgsqlConnection connection, long key)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            var command = new NpgsqlCommand("SELECT pg_catalog.pg_advisory_unlock($1)", connection) { Parameters = { new NpgsqlParameter { Value = key } } };
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // The session ended, and the lock with it.
        }
    }

    /// <summary>Describes the session that holds a lock, for messages: pid, application, client, since when, state.</summary>
    public static async Task<string> DescribeHolderAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local socket'), a.backend_start, coalesce(a.state, '')
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
              AND l.classid = ($1::bigint)::oid AND l.objid = ($2::bigint)::oid
            """;
        var command = new NpgsqlCommand(sql, connection)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = (key >> 32) & 0xFFFFFFFFL },
                new NpgsqlParameter { Value = key & 0xFFFFFFFFL },
            },
        };
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return "another session (it has just released it)";
                }

                return string.Create(CultureInfo.InvariantCulture,
                    $"pid {reader.GetInt32(0)} (application '{reader.GetString(1)}', client {reader.GetString(2)}, connected at {reader.GetDateTime(3):u}, {reader.GetString(4)})");
            }
        }
    }
}
