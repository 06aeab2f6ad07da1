using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// A local record, written before a drill's restore, of the scratch database the restore strategy is about to create:
/// <c>PARENT/dbresilience-database-TOKEN.intent</c> (0600), naming this host and process (<see cref="OwnerProcess"/>), the server
/// (host and port of the connection, and its database; never the password) and the scratch database. The record is deleted once
/// the database has been dropped.
/// </summary>
/// <remarks>
/// A drill restores through whatever strategy the restore service chooses, which may be an application's own that creates its
/// target itself (and fails on an existing one): the drill cannot create and mark its scratch database before the restore, so a
/// drill killed during the restore would leave a database without an owner comment (<see cref="ScratchDatabase"/>). This record
/// covers that window, and the one before the strategy's <c>CREATE DATABASE</c>. The next run (a drill, a table-level restore,
/// a restore test) drops, on the same server, the database each record names whose owner process is gone from this host, then
/// deletes the record; a record whose database never got created is just deleted. A record of a live process or of another host,
/// or one for another server, is left alone, and only a name the drill generates (<c>PREFIX_drill_</c> and 12 hexadecimal digits)
/// whose database has no comment or an abandoned owner comment is ever dropped: a record planted in a shared temporary directory
/// cannot name a database of the application.
/// </remarks>
internal sealed partial class ScratchDatabaseIntent
{
    /// <summary>The end of every record's name.</summary>
    public const string Suffix = ".intent";

    private const string NamePrefix = ScratchDirectory.Prefix + "database-";

    private const string Header = "dbresilience scratch database intent";

    private ScratchDatabaseIntent(string path) => Path = path;

    /// <summary>Gets the record's full path.</summary>
    public string Path { get; }

    /// <summary>Writes the record of <paramref name="database"/>, to be created on the server of <paramref name="serverConnectionString"/>.</summary>
    /// <param name="parent">The directory of the record; <see langword="null"/> for the system's temporary directory.</param>
    /// <param name="serverConnectionString">A connection string to the server the database will be created on.</param>
    /// <param name="database">The scratch database's name.</param>
    /// <returns>The record.</returns>
    /// <exception cref="IOException">The record could not be written (the disk is full).</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not write in <paramref name="parent"/>.</exception>
    public static ScratchDatabaseIntent Record(string? parent, string serverConnectionString, string database)
    {
        parent = System.IO.Path.GetFullPath(parent ?? System.IO.Path.GetTempPath());
        Directory.CreateDirectory(parent);
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
        var path = System.IO.Path.Combine(parent, NamePrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)) + Suffix);
        var text = string.Join(
            '\n',
            Header,
            "host=" + Environment.MachineName,
            "owner=" + OwnerProcess.Current(),
            "server=" + ServerOf(server),
            "connection-database=" + server.Database,
            "database=" + database,
            string.Empty);
        ScratchDirectory.WriteRecord(path, text, replace: false);

        return new ScratchDatabaseIntent(path);
    }

    /// <summary>Deletes the record (once its database has been dropped); nothing when it is already gone.</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>
    /// Drops the database of every record in <paramref name="parent"/> whose owner process is gone from this host and whose server
    /// is that of <paramref name="maintenanceConnectionString"/>, if the database exists, then deletes the record (best effort).
    /// </summary>
    /// <param name="parent">The directory of the records; <see langword="null"/> for the system's temporary directory.</param>
    /// <param name="maintenanceConnectionString">A connection string to a maintenance database of the server.</param>
    /// <param name="cancellationToken">A token to cancel the work.</param>
    /// <returns>The databases dropped.</returns>
    /// <exception cref="NpgsqlException">The server could not be reached.</exception>
    public static async Task<IReadOnlyList<string>> DropAbandonedAsync(string? parent, string maintenanceConnectionString, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        parent = System.IO.Path.GetFullPath(parent ?? System.IO.Path.GetTempPath());
        if (!Directory.Exists(parent))
        {
            return dropped;
        }

        // A record a killed drill was still writing: its database was not created yet.
        ScratchDirectory.RemoveAbandonedPendingRecords(parent);
        var server = ServerOf(new NpgsqlConnectionStringBuilder(maintenanceConnectionString));
        foreach (var path in Directory.EnumerateFiles(parent, NamePrefix + "*" + Suffix).ToList())
        {
            var record = Read(path);
            if (record is null
                || !string.Equals(record.Host, Environment.MachineName, StringComparison.Ordinal)
                || !string.Equals(record.Server, server, StringComparison.Ordinal)
                || OwnerProcess.IsAlive(record.Owner))
            {
                // Not this code's, another host's, another server's (this run cannot reach it) or a live run's: left alone.
                continue;
            }

            try
            {
                switch (await ScratchStateAsync(maintenanceConnectionString, record.Database, cancellationToken).ConfigureAwait(false))
                {
                    case ScratchState.Missing:
                        break;
                    case ScratchState.Abandoned:
                        await ScratchDatabase.DropAsync(maintenanceConnectionString, record.Database, cancellationToken).ConfigureAwait(false);
                        dropped.Add(record.Database);
                        break;
                    default:
                        // Claimed by a live owner or holding someone else's comment: not this record's to drop.
                        break;
                }

                File.Delete(path);
            }
            catch (Exception ex) when (ex is PostgresException or IOException or UnauthorizedAccessException)
            {
                // In use in a way FORCE cannot end, or the record cannot be deleted: both left for the next run or an operator.
            }
        }

        return dropped;
    }

    /// <summary>Parses a record; <see langword="null"/> when it is not a complete record of this code naming a drill's database.</summary>
    internal static IntentRecord? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !string.Equals(lines[0], Header, StringComparison.Ordinal))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        return values.TryGetValue("host", out var host)
            && values.TryGetValue("owner", out var owner)
            && values.TryGetValue("server", out var server)
            && values.TryGetValue("database", out var database)
            && DrillDatabaseName().IsMatch(database)
                ? new IntentRecord(host, owner, server, database)
                : null;
    }

    private static IntentRecord? Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<ScratchState> ScratchStateAsync(string maintenanceConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var connection = await PostgreSqlConnections.OpenAsync(maintenanceConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1 AND datname <> current_database()",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) switch
        {
            null => ScratchState.Missing,

            // Killed before the drill marked it (during the restore), or marked by the process the record names, now gone.
            "" => ScratchState.Abandoned,
            string comment when ScratchDatabase.IsAbandoned(comment) => ScratchState.Abandoned,
            _ => ScratchState.Claimed,
        };
    }

    private static string ServerOf(NpgsqlConnectionStringBuilder builder)
        => (builder.Host ?? string.Empty) + ":" + builder.Port.ToString(CultureInfo.InvariantCulture);

    // The names PostgreSqlDrillRunner gives its scratch databases (RestoreOptions.ScratchDatabasePrefix, at most 40 characters).
    [GeneratedRegex(@"^.{1,40}_drill_[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex DrillDatabaseName();

    private enum ScratchState
    {
        Missing,
        Abandoned,
        Claimed,
    }

    /// <summary>What a record names.</summary>
    internal sealed record IntentRecord(string Host, string Owner, string Server, string Database);
}
