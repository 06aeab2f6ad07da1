using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Checks and, when asked, applies the server settings that point-in-time recovery needs (<c>wal_level</c>, <c>archive_mode</c>,
/// <c>archive_command</c>, <c>archive_timeout</c>, <c>max_wal_senders</c>, <c>max_replication_slots</c>) and says which need a restart.
/// </summary>
public sealed class PointInTimeSetup
{
    private readonly PostgreSqlOptions _postgreSql;

    /// <summary>Initializes a new instance of the <see cref="PointInTimeSetup"/> class.</summary>
    /// <param name="postgreSql">The database's options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="postgreSql"/> is <see langword="null"/>.</exception>
    public PointInTimeSetup(IOptions<PostgreSqlOptions> postgreSql)
    {
        ArgumentNullException.ThrowIfNull(postgreSql);
        _postgreSql = postgreSql.Value;
    }

    /// <summary>Checks the settings without changing anything.</summary>
    /// <param name="archiveCommand">The wanted <c>archive_command</c>, such as <c>dbresilience wal-push %p</c>; <see langword="null"/> when WAL is only streamed.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>One check per setting.</returns>
    /// <exception cref="NpgsqlException">The database could not be reached.</exception>
    public async Task<IReadOnlyList<ServerSettingCheck>> CheckAsync(string? archiveCommand, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(_postgreSql.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await CheckAsync(connection, archiveCommand, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies the settings that are not good enough with <c>ALTER SYSTEM</c> and reloads the configuration; settings whose
    /// context is <c>postmaster</c> come back with <see cref="ServerSettingCheck.NeedsRestart"/> set until the server restarts.
    /// </summary>
    /// <param name="archiveCommand">The wanted <c>archive_command</c>; <see langword="null"/> leaves archiving as it is.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The settings after the change.</returns>
    /// <exception cref="PostgresException">The role may not run ALTER SYSTEM (it needs superuser or a grant).</exception>
    public async Task<IReadOnlyList<ServerSettingCheck>> ApplyAsync(string? archiveCommand, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(_postgreSql.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var check in await CheckAsync(connection, archiveCommand, cancellationToken).ConfigureAwait(false))
            {
                if (check.Ok)
                {
                    continue;
                }

                // ALTER SYSTEM takes no parameters: the value is quoted as a literal.
                var command = new NpgsqlCommand($"ALTER SYSTEM SET {check.Name} = '{check.Wanted.Replace("'", "''", StringComparison.Ordinal)}'", connection);
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
            await using (reload.ConfigureAwait(false))
            {
                await reload.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // pending_restart is updated once the postmaster has re-read the file.
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken).ConfigureAwait(false);
            return await CheckAsync(connection, archiveCommand, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyList<ServerSettingCheck>> CheckAsync(NpgsqlConnection connection, string? archiveCommand, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, (string Value, string Context, bool Pending)>(StringComparer.Ordinal);
        var command = new NpgsqlCommand(
            "SELECT name, setting, context, pending_restart FROM pg_settings WHERE name IN ('wal_level', 'archive_mode', 'archive_command', 'archive_timeout', 'max_wal_senders', 'max_replication_slots')",
            connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    settings[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetBoolean(3));
                }
            }
        }

        if (settings.TryGetValue("archive_command", out var archive) && archive.Value == "(disabled)")
        {
            // With archive_mode off the server shows "(disabled)": read the configured command from the files instead.
            var file = new NpgsqlCommand(
                "SELECT setting FROM pg_file_settings WHERE name = 'archive_command' AND error IS NULL ORDER BY seqno DESC LIMIT 1", connection);
            await using (file.ConfigureAwait(false))
            {
                var configured = await file.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                settings["archive_command"] = (configured ?? string.Empty, archive.Context, archive.Pending);
            }
        }

        var checks = new List<ServerSettingCheck>
        {
            Check(settings, "wal_level", "replica", v => v is "replica" or "logical"),
            Check(settings, "max_wal_senders", "10", v => Number(v) >= 2),
            Check(settings, "max_replication_slots", "10", v => Number(v) >= 2),
        };
        if (archiveCommand is not null)
        {
            checks.Add(Check(settings, "archive_mode", "on", v => v is "on" or "always"));
            checks.Add(Check(settings, "archive_command", archiveCommand, v => string.Equals(v, archiveCommand, StringComparison.Ordinal)));
            checks.Add(Check(settings, "archive_timeout", "60", v => Number(v) is > 0 and <= 60));
        }

        return checks;
    }

    private static ServerSettingCheck Check(Dictionary<string, (string Value, string Context, bool Pending)> settings, string name, string wanted, Func<string, bool> ok)
    {
        var (value, context, pending) = settings[name];
        var good = ok(value);
        return new ServerSettingCheck { Name = name, Current = value, Wanted = wanted, Ok = good && !pending, NeedsRestart = pending || (!good && context == "postmaster") };
    }

    private static long Number(string value) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
