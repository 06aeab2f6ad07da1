using System.Text.RegularExpressions;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// Creates the throwaway databases that a table-level restore, a restore test and a drill work in, each with an owner record in its
/// comment (<c>dbresilience scratch host=HOST owner=PID STARTTIME</c>), and drops those that a killed run left behind.
/// </summary>
/// <remarks>
/// A run killed with SIGKILL cannot drop its scratch database. Before it creates one, each run drops, on the same server, the
/// scratch databases whose record names this host and a process that is gone; a database of another host (whose processes
/// this host cannot see) or of a live process (another run at work) is never touched, and neither is one without a record.
/// The comment is set right after <c>CREATE DATABASE</c> (which cannot share a transaction with it): a run killed between
/// the two leaves a database without a record, which stays for an operator to drop. A drill's scratch database is created by
/// the restore strategy, so the drill records it beforehand in a local <see cref="ScratchDatabaseIntent"/>, which the same
/// sweep honours, and comments it once the restore has created it.
/// </remarks>
internal static partial class ScratchDatabase
{
    /// <summary>The start of every owner record.</summary>
    public const string CommentPrefix = "dbresilience scratch ";

    private static string OwnRecord => CommentPrefix + "host=" + Environment.MachineName + " owner=" + OwnerProcess.Current();

    /// <summary>Drops abandoned scratch databases, then creates <paramref name="database"/> with this process's owner record.</summary>
    /// <param name="maintenanceConnectionString">A connection string to a maintenance database of the server.</param>
    /// <param name="database">The new database's name.</param>
    /// <param name="temporaryDirectory">The directory of the drills' <see cref="ScratchDatabaseIntent"/> records; <see langword="null"/> for the system's temporary directory.</param>
    /// <param name="cancellationToken">A token to cancel the work.</param>
    /// <returns>The abandoned databases dropped.</returns>
    /// <exception cref="NpgsqlException">The database could not be created.</exception>
    public static async Task<IReadOnlyList<string>> CreateAsync(string maintenanceConnectionString, string database, string? temporaryDirectory, CancellationToken cancellationToken)
    {
        var dropped = await DropAbandonedAsync(maintenanceConnectionString, temporaryDirectory, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(maintenanceConnectionString, $"CREATE DATABASE {TableName.QuoteIdentifier(database)} TEMPLATE template0", cancellationToken).ConfigureAwait(false);
        await MarkAsync(maintenanceConnectionString, database, cancellationToken).ConfigureAwait(false);
        return dropped;
    }

    /// <summary>Writes this process's owner record into the comment of <paramref name="database"/>.</summary>
    public static Task MarkAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
        => ExecuteAsync(
            maintenanceConnectionString,
            $"COMMENT ON DATABASE {TableName.QuoteIdentifier(database)} IS '{OwnRecord.Replace("'", "''", StringComparison.Ordinal)}'",
            cancellationToken);

    /// <summary>Tells whether <paramref name="database"/> exists and carries this process's owner record (a scratch database of this run).</summary>
    public static async Task<bool> IsOwnAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var connection = await PostgreSqlConnections.OpenAsync(maintenanceConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string comment
            && string.Equals(comment, OwnRecord, StringComparison.Ordinal);
    }

    /// <summary>Drops a scratch database, ending its sessions; nothing when it is already gone.</summary>
    public static Task DropAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
        => ExecuteAsync(maintenanceConnectionString, $"DROP DATABASE IF EXISTS {TableName.QuoteIdentifier(database)} WITH (FORCE)", cancellationToken);

    /// <summary>
    /// Drops the scratch databases whose owner record (their comment, or a drill's <see cref="ScratchDatabaseIntent"/> in
    /// <paramref name="temporaryDirectory"/>) names this host and a process that is gone (best effort).
    /// </summary>
    /// <returns>The databases dropped.</returns>
    public static async Task<IReadOnlyList<string>> DropAbandonedAsync(string maintenanceConnectionString, string? temporaryDirectory, CancellationToken cancellationToken)
    {
        var abandoned = new List<string>();
        await using (var connection = await PostgreSqlConnections.OpenAsync(maintenanceConnectionString, cancellationToken).ConfigureAwait(false))
        await using (var command = new NpgsqlCommand(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE $1",
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = CommentPrefix + "%" });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (IsAbandoned(reader.GetString(1)))
                {
                    abandoned.Add(reader.GetString(0));
                }
            }
        }

        var dropped = new List<string>();
        foreach (var database in abandoned)
        {
            try
            {
                await DropAsync(maintenanceConnectionString, database, cancellationToken).ConfigureAwait(false);
                dropped.Add(database);
            }
            catch (PostgresException)
            {
                // Not ours to drop after all (another role's), or in use in a way FORCE cannot end: left for an operator.
            }
        }

        dropped.AddRange(await ScratchDatabaseIntent.DropAbandonedAsync(temporaryDirectory, maintenanceConnectionString, cancellationToken).ConfigureAwait(false));
        return dropped;
    }

    /// <summary>Tells whether an owner record names this host and a process that is gone.</summary>
    internal static bool IsAbandoned(string comment)
    {
        var match = OwnerRecord().Match(comment);
        return match.Success
            && string.Equals(match.Groups["host"].Value, Environment.MachineName, StringComparison.Ordinal)
            && !OwnerProcess.IsAlive(match.Groups["owner"].Value);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await PostgreSqlConnections.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^dbresilience scratch host=(?<host>\S+) owner=(?<owner>\d+ \d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex OwnerRecord();
}
