using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>
/// Runs the integrity checks with plain catalog queries: every foreign key found in <c>pg_constraint</c> (multi-column
/// too) is checked for orphaned rows, every identifier is quoted, and a check that cannot run is a warning, not a crash.
/// </summary>
internal sealed class PostgreSqlIntegrityChecker(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<IntegrityCheckOptions> options,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlIntegrityChecker> logger) : IIntegrityChecker
{
    private const int SampleSize = 5;

    private const string TablesQuery = """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND c.relpersistence <> 't'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
        ORDER BY n.nspname, c.relname
        """;

    private const string InvalidIndexesQuery = """
        SELECT n.nspname, c.relname, t.relname, i.indisvalid, c.relkind = 'I', n.nspname = 'pg_toast',
               EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.contype = 'x'),
               i.indisunique, CASE WHEN starts_with(d.def, d.prefix) THEN substr(d.def, length(d.prefix) + 1) END,
               p.schemas, p.names, p.partitioned
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class t ON t.oid = i.indrelid
        CROSS JOIN LATERAL (
            SELECT pg_get_indexdef(i.indexrelid) AS def,
                   format('CREATE %sINDEX %I ON ONLY %I.%I ', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, c.relname, n.nspname, t.relname) AS prefix) d
        CROSS JOIN LATERAL (
            -- The partitions of the table that have no index attached to this partitioned index.
            SELECT coalesce(array_agg(pn.nspname::text ORDER BY pn.nspname, pc.relname), '{}') AS schemas,
                   coalesce(array_agg(pc.relname::text ORDER BY pn.nspname, pc.relname), '{}') AS names,
                   coalesce(array_agg(pc.relkind = 'p' ORDER BY pn.nspname, pc.relname), '{}') AS partitioned
            FROM pg_inherits part JOIN pg_class pc ON pc.oid = part.inhrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE c.relkind = 'I' AND part.inhparent = i.indrelid
              AND NOT EXISTS (SELECT 1 FROM pg_inherits ii JOIN pg_index ci ON ci.indexrelid = ii.inhrelid
                              WHERE ii.inhparent = i.indexrelid AND ci.indrelid = part.inhrelid)) p
        WHERE NOT i.indisvalid OR NOT i.indisready
        ORDER BY n.nspname, c.relname
        """;

    private const string BTreeIndexesQuery = """
        SELECT n.nspname, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE am.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
        ORDER BY n.nspname, c.relname
        """;

    public Task<IntegrityReport> CheckAsync(CancellationToken cancellationToken = default)
        => CheckAsync(postgreSqlOptions.Value.ConnectionString!, cancellationToken);

    public async Task<IntegrityReport> CheckAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var started = timeProvider.GetUtcNow();
        var startedTimestamp = timeProvider.GetTimestamp();
        await using var connection = await PostgreSqlConnections.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        var checks = new List<IntegrityCheckResult>();
        var rowCounts = new Dictionary<string, long>(StringComparer.Ordinal);

        checks.Add(await RunAsync("row_counts", () => CountRowsAsync(connection, rowCounts, cancellationToken), cancellationToken).ConfigureAwait(false));
        checks.Add(await RunAsync("orphaned_rows", () => CheckForeignKeysAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false));
        checks.Add(await RunAsync("invalid_indexes", () => CheckInvalidIndexesAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false));
        checks.Add(await RunAsync("checksum_failures", () => CheckChecksumFailuresAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false));
        checks.Add(await RunAsync("replication_lag", () => CheckReplicationAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false));
        if (options.Value.CheckBTreeIndexes)
        {
            checks.Add(await RunAsync("btree_indexes", () => CheckBTreeIndexesAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false));
        }

        var report = new IntegrityReport
        {
            Database = connection.Database,
            CheckedAt = started,
            Duration = timeProvider.GetElapsedTime(startedTimestamp),
            Checks = checks,
            TableRowCounts = rowCounts,
        };
        Log.IntegrityChecked(logger, report.Database, report.Status, report.Duration.TotalMilliseconds);
        return report;
    }

    private async Task<IntegrityCheckResult> RunAsync(string name, Func<Task<(IntegrityStatus Status, string Summary, List<string> Details)>> check, CancellationToken cancellationToken)
    {
        var start = timeProvider.GetTimestamp();
        (IntegrityStatus Status, string Summary, List<string> Details) outcome;
        try
        {
            outcome = await check().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = (IntegrityStatus.Warning, $"The check could not run: {ex.MessageText} (SQLSTATE {ex.SqlState}).", []);
        }

        return new IntegrityCheckResult
        {
            Name = name,
            Status = outcome.Status,
            Summary = outcome.Summary,
            Details = outcome.Details,
            Duration = timeProvider.GetElapsedTime(start),
        };
    }

    private async Task<(IntegrityStatus, string, List<string>)> CountRowsAsync(NpgsqlConnection connection, Dictionary<string, long> counts, CancellationToken cancellationToken)
    {
        var tables = new List<TableName>();
        await using (var command = new NpgsqlCommand(TablesQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add(new TableName(reader.GetString(0), reader.GetString(1)));
            }
        }

        var details = new List<string>();
        foreach (var table in tables)
        {
            var count = await ScalarAsync<long>(connection, $"SELECT count(*) FROM ONLY {table.Quoted}", cancellationToken).ConfigureAwait(false);
            counts[table.Quoted] = count;
            details.Add(string.Create(CultureInfo.InvariantCulture, $"{table.Quoted}: {count} rows"));
        }

        return (IntegrityStatus.Ok, string.Create(CultureInfo.InvariantCulture, $"{tables.Count} tables, {counts.Values.Sum()} rows in all."), details);
    }

    private async Task<(IntegrityStatus, string, List<string>)> CheckForeignKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var foreignKeys = await ForeignKeyConstraint.LoadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        var details = new List<string>();
        long orphans = 0;
        foreach (var foreignKey in foreignKeys)
        {
            var count = await foreignKey.CountOrphansAsync(connection, (int)options.Value.CommandTimeout.TotalSeconds, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                continue;
            }

            orphans += count;
            var samples = new List<string>();
            await using (var command = new NpgsqlCommand($"SELECT ({foreignKey.ChildColumnList("c")})::text {foreignKey.OrphansFromWhere()} LIMIT {SampleSize}", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    samples.Add(reader.IsDBNull(0) ? "NULL" : reader.GetString(0));
                }
            }

            details.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{foreignKey.Describe()}: {count} orphaned rows, e.g. {string.Join(", ", samples)}"));
        }

        return orphans == 0
            ? (IntegrityStatus.Ok, string.Create(CultureInfo.InvariantCulture, $"{foreignKeys.Count} foreign keys checked, no orphaned rows."), details)
            : (IntegrityStatus.Error, string.Create(CultureInfo.InvariantCulture, $"{orphans} orphaned rows in {details.Count} of {foreignKeys.Count} foreign keys."), details);
    }

    private static async Task<(IntegrityStatus, string, List<string>)> CheckInvalidIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var details = new List<string>();
        await using (var command = new NpgsqlCommand(InvalidIndexesQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = new TableName(reader.GetString(0), reader.GetString(1));
                var invalid = new InvalidIndex(
                    index,
                    new TableName(reader.GetString(0), reader.GetString(2)),
                    !reader.GetBoolean(3),
                    reader.GetBoolean(4),
                    reader.GetBoolean(5),
                    reader.GetBoolean(6),
                    reader.GetBoolean(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.GetFieldValue<string[]>(9).Zip(reader.GetFieldValue<string[]>(10), (s, n) => new TableName(s, n)).ToList(),
                    reader.GetFieldValue<bool[]>(11));
                details.Add(invalid.Advice());
            }
        }

        return details.Count == 0
            ? (IntegrityStatus.Ok, "No invalid indexes.", details)
            : (IntegrityStatus.Warning, string.Create(CultureInfo.InvariantCulture, $"{details.Count} invalid indexes; the planner ignores them and a unique one enforces nothing."), details);
    }

    private static async Task<(IntegrityStatus, string, List<string>)> CheckChecksumFailuresAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT current_setting('data_checksums') = 'on', d.checksum_failures, d.checksum_last_failure::text
            FROM pg_stat_database d WHERE d.datname = current_database()
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (IntegrityStatus.Warning, "pg_stat_database has no row for this database.", []);
        }

        if (!reader.GetBoolean(0))
        {
            return (IntegrityStatus.Warning, "Data checksums are off, so corrupted pages cannot be detected (initdb -k, or pg_checksums --enable on a stopped cluster).", []);
        }

        var failures = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
        return failures == 0
            ? (IntegrityStatus.Ok, "No data checksum failures.", [])
            : (IntegrityStatus.Error, string.Create(CultureInfo.InvariantCulture, $"{failures} data checksum failures, the last at {(reader.IsDBNull(2) ? "an unknown time" : reader.GetString(2))}: pages are corrupted; restore from a backup."), []);
    }

    private async Task<(IntegrityStatus, string, List<string>)> CheckReplicationAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var maxLag = options.Value.MaxReplicationLag;
        var details = new List<string>();
        var inRecovery = await ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()", cancellationToken).ConfigureAwait(false);
        if (inRecovery)
        {
            var lagSeconds = await ScalarAsync<double?>(
                connection,
                """
                SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
                """,
                cancellationToken).ConfigureAwait(false) ?? 0;
            var lag = TimeSpan.FromSeconds(lagSeconds);
            var summary = string.Create(CultureInfo.InvariantCulture, $"This server is a standby, {lag.TotalSeconds:F1} s behind its primary.");
            return lag > maxLag ? (IntegrityStatus.Warning, summary, details) : (IntegrityStatus.Ok, summary, details);
        }

        var lagging = 0;
        var standbys = 0;
        await using (var command = new NpgsqlCommand(
            """
            SELECT application_name, state, EXTRACT(epoch FROM replay_lag)::float8, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint
            FROM pg_stat_replication ORDER BY application_name
            """,
            connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                standbys++;
                var seconds = reader.IsDBNull(2) ? 0 : reader.GetDouble(2);
                var bytes = reader.IsDBNull(3) ? 0 : reader.GetInt64(3);
                var behind = TimeSpan.FromSeconds(seconds) > maxLag;
                lagging += behind ? 1 : 0;
                details.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"standby '{(reader.IsDBNull(0) ? string.Empty : reader.GetString(0))}' ({(reader.IsDBNull(1) ? "unknown" : reader.GetString(1))}): replay lag {seconds:F1} s, {bytes} bytes{(behind ? " (over the limit)" : string.Empty)}"));
            }
        }

        await using (var command = new NpgsqlCommand(
            "SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE NOT active AND restart_lsn IS NOT NULL ORDER BY slot_name",
            connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                details.Add(string.Create(CultureInfo.InvariantCulture, $"replication slot '{reader.GetString(0)}' is inactive and holds {reader.GetInt64(1)} bytes of WAL"));
            }
        }

        if (lagging > 0)
        {
            return (IntegrityStatus.Warning, string.Create(CultureInfo.InvariantCulture, $"{lagging} of {standbys} standbys lag more than {maxLag.TotalSeconds:F0} s."), details);
        }

        return (IntegrityStatus.Ok, standbys == 0 ? "No standbys connected." : string.Create(CultureInfo.InvariantCulture, $"{standbys} standbys within {maxLag.TotalSeconds:F0} s."), details);
    }

    private async Task<(IntegrityStatus, string, List<string>)> CheckBTreeIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var schema = await ScalarAsync<string?>(
            connection,
            "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'",
            cancellationToken).ConfigureAwait(false);
        if (schema is null)
        {
            var available = await ScalarAsync<bool>(connection, "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck')", cancellationToken).ConfigureAwait(false);
            if (!available)
            {
                return (IntegrityStatus.Warning, "B-tree indexes not checked: the amcheck extension is not available on the server (install postgresql-contrib).", []);
            }

            if (!options.Value.AllowCreateAmcheckExtension)
            {
                return (IntegrityStatus.Warning, "B-tree indexes not checked: amcheck is not installed in this database (CREATE EXTENSION amcheck, or set IntegrityCheckOptions.AllowCreateAmcheckExtension).", []);
            }

            await ScalarAsync<object?>(connection, "CREATE EXTENSION IF NOT EXISTS amcheck", cancellationToken).ConfigureAwait(false);
            schema = await ScalarAsync<string?>(
                connection,
                "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'",
                cancellationToken).ConfigureAwait(false) ?? "public";
        }

        var indexes = new List<TableName>();
        await using (var command = new NpgsqlCommand(BTreeIndexesQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                indexes.Add(new TableName(reader.GetString(0), reader.GetString(1)));
            }
        }

        var details = new List<string>();
        var status = IntegrityStatus.Ok;
        foreach (var index in indexes)
        {
            await using var command = new NpgsqlCommand($"SELECT {TableName.QuoteIdentifier(schema)}.bt_index_check($1::regclass)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = index.Quoted });
            command.CommandTimeout = (int)options.Value.CommandTimeout.TotalSeconds;
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                return (IntegrityStatus.Warning, $"B-tree indexes not checked: {ex.MessageText} (grant EXECUTE on bt_index_check, or run as a superuser).", details);
            }
            catch (PostgresException ex)
            {
                status = IntegrityStatus.Error;
                details.Add($"{index.Quoted}: {ex.MessageText} (SQLSTATE {ex.SqlState}); rebuild it with REINDEX INDEX CONCURRENTLY {index.Quoted}.");
            }
        }

        return status == IntegrityStatus.Ok
            ? (status, string.Create(CultureInfo.InvariantCulture, $"{indexes.Count} B-tree indexes verified with amcheck."), details)
            : (status, string.Create(CultureInfo.InvariantCulture, $"{details.Count} of {indexes.Count} B-tree indexes are corrupted."), details);
    }

    private async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.CommandTimeout = (int)options.Value.CommandTimeout.TotalSeconds;
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? default! : (T)value;
    }
}
