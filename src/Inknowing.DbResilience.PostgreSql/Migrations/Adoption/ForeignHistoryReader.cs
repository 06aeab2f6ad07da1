using System.Globalization;
using Inknowing.DbResilience.Migrations;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>
/// Reads another tool's history into <see cref="ForeignHistoryRow"/>s, one per version (the latest attempt) and per
/// repeatable script. Times written without a time zone are read as the server's local time, as the tools wrote them.
/// </summary>
internal static class ForeignHistoryReader
{
    /// <summary>Reads the rows, and the version of the tool's own baseline (Flyway's BASELINE row) when it has one.</summary>
    public static async Task<(List<ForeignHistoryRow> Rows, MigrationVersion? Baseline)> ReadAsync(
        NpgsqlConnection connection, ForeignMigrationHistory source, CancellationToken cancellationToken)
    {
        var table = MigrationTracking.Quote(source.Schema) + "." + MigrationTracking.Quote(source.Table);
        var rows = new List<ForeignHistoryRow>();
        MigrationVersion? baseline = null;
        switch (source.Format)
        {
            case MigrationHistoryFormat.SqlFramework:
                await ReadAsync(connection, $"""
                    SELECT version::text, migration_name::text, status::text,
                        applied_at::timestamp AT TIME ZONE pg_catalog.current_setting('TimeZone'), execution_time_ms::bigint, checksum::text, rollback_sql::text
                    FROM {table} ORDER BY applied_at NULLS LAST, version
                    """, r => rows.Add(new ForeignHistoryRow(r.GetString(0), r.GetString(0), r.GetString(1), r.IsDBNull(2) ? "completed" : r.GetString(2),
                        Time(r, 3), r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6))),
                    cancellationToken).ConfigureAwait(false);
                break;

            case MigrationHistoryFormat.Flyway:
                var latest = new Dictionary<string, ForeignHistoryRow>(StringComparer.Ordinal);
                await ReadAsync(connection, $"""
                    SELECT version::text, description::text, type::text, script::text, checksum::bigint, success,
                        installed_on::timestamp AT TIME ZONE pg_catalog.current_setting('TimeZone'), execution_time::bigint
                    FROM {table} ORDER BY installed_rank
                    """, r =>
                    {
                        var version = r.IsDBNull(0) ? null : r.GetString(0);
                        var type = r.GetString(2);
                        var script = r.GetString(3);
                        if (type is "SCHEMA" or "DELETE" || (type == "BASELINE" && version is null))
                        {
                            // The schema Flyway created, and rows repair marked deleted, are not migrations.
                            if (type == "DELETE" && version is not null)
                            {
                                latest.Remove("V" + version);
                            }

                            return;
                        }

                        if (type == "BASELINE")
                        {
                            baseline = MigrationVersion.TryParse(version, out var b) ? b : baseline;
                            return;
                        }

                        var status = !r.GetBoolean(5) ? "failed" : type.StartsWith("UNDO", StringComparison.Ordinal) ? "rolled_back" : "completed";
                        var checksum = r.IsDBNull(4) ? null : r.GetInt64(4).ToString(CultureInfo.InvariantCulture);
                        var repeatable = version is null ? RepeatableName(script, r.GetString(1)) : null;
                        latest[version is null ? "R" + repeatable : "V" + version] = new ForeignHistoryRow(
                            version is null ? script : $"{version} ({script})", version, r.GetString(1), status, Time(r, 6), r.IsDBNull(7) ? null : r.GetInt64(7), checksum, null, repeatable);
                    }, cancellationToken).ConfigureAwait(false);
                rows.AddRange(latest.Values);
                break;

            case MigrationHistoryFormat.DbUp:
                await ReadAsync(connection, $"""
                    SELECT scriptname::text, applied::timestamp AT TIME ZONE pg_catalog.current_setting('TimeZone')
                    FROM {table} ORDER BY applied, scriptname
                    """, r => rows.Add(new ForeignHistoryRow(r.GetString(0), null, r.GetString(0), "completed", Time(r, 1), null, null, null)),
                    cancellationToken).ConfigureAwait(false);
                break;

            case MigrationHistoryFormat.EntityFrameworkCore:
                await ReadAsync(connection, $"""SELECT "MigrationId"::text FROM {table} ORDER BY "MigrationId" """, r =>
                {
                    // A migration id is <timestamp>_<name>, such as 20240101120000_InitialCreate.
                    var id = r.GetString(0);
                    var cut = id.IndexOf('_', StringComparison.Ordinal);
                    rows.Add(new ForeignHistoryRow(id, cut > 0 ? id[..cut] : null, cut > 0 ? id[(cut + 1)..] : id, "completed", null, null, null, null));
                }, cancellationToken).ConfigureAwait(false);
                break;

            default:
                throw new MigrationException($"{source.QualifiedName} looks like {source.Description}, which adopt cannot read: baseline instead (dbresilience baseline --version N).");
        }

        return (rows, baseline);
    }

    /// <summary>Returns the name of a Flyway repeatable script: <c>R__views.sql</c> is <c>views</c>.</summary>
    internal static string RepeatableName(string script, string description)
    {
        var file = Path.GetFileName(script);
        if (file.StartsWith("R__", StringComparison.Ordinal))
        {
            var name = file[3..];
            return name.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;
        }

        return description;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    private static async Task ReadAsync(NpgsqlConnection connection, string sql, Action<NpgsqlDataReader> read, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read(reader);
                }
            }
        }
    }
}
