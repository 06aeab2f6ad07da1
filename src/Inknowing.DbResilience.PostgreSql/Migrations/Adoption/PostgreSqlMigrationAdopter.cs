using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>
/// Imports another tool's migration history into the library's tables, or records a baseline, under the migration lock
/// and in one transaction: either every row is written (and the source renamed aside when asked) or nothing is.
/// </summary>
internal sealed class PostgreSqlMigrationAdopter(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<MigrationOptions> options,
    IOptions<DbResilienceOptions> library,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlMigrationAdopter> logger) : IMigrationAdopter
{
    /// <summary>What a renamed table is called: <c>schema_migrations_adopted</c>.</summary>
    internal const string RenamedSuffix = "_adopted";

    private readonly MigrationOptions _options = options.Value;
    private readonly string _schema = library.Value.Schema;
    private readonly MigrationTracking _tracking = new(library.Value.Schema);

    public async Task<IReadOnlyList<ForeignMigrationHistory>> DetectAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var found = await MigrationTableInspector.InspectAsync(connection, _schema, cancellationToken).ConfigureAwait(false);
            return [.. found.Conflicts, .. found.Foreign];
        }
    }

    public async Task<MigrationAdoptionResult> AdoptAsync(MigrationAdoptionRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new MigrationAdoptionRequest();
        var started = time.GetTimestamp();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!request.DryRun)
            {
                await MigrationLock.AcquireAsync(connection, _tracking, _options.LockTimeout, time, logger, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var found = await MigrationTableInspector.InspectAsync(connection, _schema, cancellationToken).ConfigureAwait(false);
                var source = ChooseSource(found, request);
                var renaming = request.RenameSource ? RenamedTables(source) : [];
                var otherConflicts = found.Conflicts.Where(c => c.Schema != source.Schema || !renaming.Any(r => r.Table == c.Table)).ToArray();
                if (otherConflicts.Length > 0)
                {
                    throw MigrationTableInspector.ConflictException(_schema, found.Conflicts);
                }

                RefuseNonEmptyHistory(found, "adopt");
                var (rows, baseline) = await ForeignHistoryReader.ReadAsync(connection, source, cancellationToken).ConfigureAwait(false);
                var plan = AdoptionPlanner.Map(source.Format, source.QualifiedName, rows, catalog, baseline);
                var history = source.Format == MigrationHistoryFormat.SqlFramework
                    ? await FindTableAsync(connection, source.Schema, "migration_history", cancellationToken).ConfigureAwait(false)
                    : null;
                if (renaming.Length > 0)
                {
                    plan.Notes.Add($"Renamed aside in the same transaction: {string.Join(", ", renaming.Select(r => $"{Qualified(source.Schema, r.Table)} to {r.NewName}"))}.");
                }

                if (history is not null)
                {
                    plan.Notes.Add($"Its history {Qualified(source.Schema, "migration_history")} ({history} row(s)) is copied into the library's migration_history, each row with adoptedFrom and sourceId in its metadata.");
                }

                var historyRows = (int)(history ?? plan.Records.Count);
                if (request.DryRun)
                {
                    return Result(source, true, plan, historyRows, started);
                }

                if (plan.Blocking.Any())
                {
                    throw new MigrationException(
                        $"Nothing was adopted: {string.Join(" ", plan.Blocking.Select(b => b.Note))} (dbresilience adopt --dry-run prints the whole mapping.)")
                    {
                        Version = plan.Blocking.First().Version,
                    };
                }

                await WriteAsync(connection, source, plan, renaming, history is not null, cancellationToken).ConfigureAwait(false);
                Log.Adopted(logger, plan.Records.Count, historyRows, source.QualifiedName);
                return Result(source, false, plan, historyRows, started);
            }
            finally
            {
                if (!request.DryRun)
                {
                    await MigrationLock.ReleaseAsync(connection, _tracking).ConfigureAwait(false);
                }
            }
        }
    }

    public async Task<MigrationAdoptionResult> BaselineAsync(MigrationVersion version, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!dryRun)
            {
                await MigrationLock.AcquireAsync(connection, _tracking, _options.LockTimeout, time, logger, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                // Another tool's history is no obstacle: a baseline is one of the ways past it.
                var found = await MigrationTableInspector.EnsureUsableAsync(connection, _schema, ignoreForeignHistories: true, cancellationToken).ConfigureAwait(false);
                RefuseNonEmptyHistory(found, "baseline");
                var plan = AdoptionPlanner.Baseline(catalog, version);
                if (!dryRun)
                {
                    await WriteAsync(connection, null, plan, [], copyHistory: false, cancellationToken).ConfigureAwait(false);
                    Log.Baselined(logger, plan.Records.Count, version.ToString());
                }

                return new MigrationAdoptionResult { DryRun = dryRun, Entries = plan.Entries, Notes = plan.Notes, VersionsRecorded = plan.Records.Count, HistoryRowsRecorded = plan.Records.Count, Duration = time.GetElapsedTime(started) };
            }
            finally
            {
                if (!dryRun)
                {
                    await MigrationLock.ReleaseAsync(connection, _tracking).ConfigureAwait(false);
                }
            }
        }
    }

    private MigrationAdoptionResult Result(ForeignMigrationHistory source, bool dryRun, AdoptionPlanner.Plan plan, int historyRows, long started)
        => new()
        {
            From = source.Format,
            SourceTable = source.QualifiedName,
            DryRun = dryRun,
            Entries = plan.Entries,
            Notes = plan.Notes,
            VersionsRecorded = plan.Records.Count,
            HistoryRowsRecorded = historyRows,
            Duration = time.GetElapsedTime(started),
        };

    private void RefuseNonEmptyHistory(DatabaseMigrationTables found, string verb)
    {
        if (found.LibraryRows > 0)
        {
            throw new MigrationException(
                $"Nothing was recorded: the library's history ({MigrationTracking.Quote(_schema)}.schema_migrations) already has {found.LibraryRows} row(s), "
                + $"and {verb} only records into an empty one, so that it never overwrites what the library applied. "
                + "See dbresilience status; to start over in another schema, use UseSchema(...) / --schema.");
        }
    }

    /// <summary>Chooses the history to adopt: of the requested format and schema, the only one there is.</summary>
    /// <exception cref="MigrationException">None, or several, match.</exception>
    private static ForeignMigrationHistory ChooseSource(DatabaseMigrationTables found, MigrationAdoptionRequest request)
    {
        var all = found.Foreign.Concat(found.Conflicts).Where(h => MigrationTableLayout.CliName(h.Format) is not null).ToArray();
        var candidates = all
            .Where(h => request.From is null || h.Format == request.From)
            .Where(h => request.SourceSchema is null || h.Schema == request.SourceSchema)
            .ToArray();
        string Found() => all.Length == 0
            ? "the database has no history that adopt can read (a SQL framework's schema_migrations, flyway_schema_history, schemaversions or __EFMigrationsHistory)"
            : "found: " + string.Join(", ", all.Select(h => $"{h.QualifiedName} ({MigrationTableLayout.CliName(h.Format)})"));
        if (candidates.Length == 0)
        {
            var what = request.From is { } from ? $"no {MigrationTableLayout.CliName(from) ?? from.ToString()} history" : "no history to adopt";
            var where = request.SourceSchema is null ? string.Empty : $" in schema '{request.SourceSchema}'";
            throw new MigrationException($"Nothing was adopted: {what}{where}; {Found()}.");
        }

        if (candidates.Length > 1)
        {
            throw new MigrationException($"Nothing was adopted: several histories match; {Found()}. Choose one with --from and --source-schema (MigrationAdoptionRequest.From, SourceSchema).");
        }

        return candidates[0];
    }

    /// <summary>Lists the tables to rename aside: a SQL framework's two tables, another tool's one.</summary>
    private static (string Table, string NewName)[] RenamedTables(ForeignMigrationHistory source)
        => (source.Format == MigrationHistoryFormat.SqlFramework ? new[] { source.Table, "migration_history" } : [source.Table])
            .Select(t => (t, t + RenamedSuffix))
            .ToArray();

    /// <summary>Returns schema.table for messages, quoted only where PostgreSQL needs it.</summary>
    private static string Qualified(string schema, string table) => new ForeignMigrationHistory { Format = default, Schema = schema, Table = table, Description = string.Empty }.QualifiedName;

    /// <summary>Returns schema.table for SQL, always quoted.</summary>
    private static string SqlName(string schema, string table) => MigrationTracking.Quote(schema) + "." + MigrationTracking.Quote(table);

    /// <summary>Returns the row count of a table, or null when it does not exist.</summary>
    private static async Task<long?> FindTableAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        var exists = new NpgsqlCommand("SELECT pg_catalog.to_regclass($1) IS NOT NULL", connection) { Parameters = { new NpgsqlParameter { Value = SqlName(schema, table) } } };
        await using (exists.ConfigureAwait(false))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return null;
            }
        }

        var count = new NpgsqlCommand($"SELECT count(*) FROM {SqlName(schema, table)}", connection);
        await using (count.ConfigureAwait(false))
        {
            return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <summary>Renames the source aside, creates the library's tables, writes the versions and the history, in one transaction.</summary>
    private async Task WriteAsync(
        NpgsqlConnection connection, ForeignMigrationHistory? source, AdoptionPlanner.Plan plan, (string Table, string NewName)[] renaming, bool copyHistory, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var historySource = source is null ? null : SqlName(source.Schema, "migration_history");
            foreach (var (table, newName) in renaming)
            {
                if (await FindTableAsync(connection, source!.Schema, newName, cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw new MigrationException(
                        $"Nothing was adopted: {Qualified(source.Schema, table)} cannot be renamed aside, because {Qualified(source.Schema, newName)} already exists "
                        + "(an earlier adoption's?). Drop or rename that table, or adopt without --rename-source.");
                }

                if (await FindTableAsync(connection, source.Schema, table, cancellationToken).ConfigureAwait(false) is null)
                {
                    continue;
                }

                await ExecuteAsync(connection, $"ALTER TABLE {SqlName(source.Schema, table)} RENAME TO {MigrationTracking.Quote(newName)}", [], cancellationToken).ConfigureAwait(false);
                Log.RenamedAside(logger, Qualified(source.Schema, table), newName);
                if (table == "migration_history")
                {
                    historySource = SqlName(source.Schema, newName);
                }
            }

            await _tracking.EnsureTablesAsync(connection, cancellationToken).ConfigureAwait(false);
            var from = source?.QualifiedName;
            var batch = new NpgsqlBatch(connection);
            await using (batch.ConfigureAwait(false))
            {
                foreach (var record in plan.Records)
                {
                    batch.BatchCommands.Add(MigrationTracking.Command(InsertVersionSql, record.Key, record.Name, record.Kind, record.AppliedAt, record.ExecutionTimeMs,
                        record.Checksum, Environment.MachineName, record.RollbackSql, record.Status, record.Origin));
                    if (!copyHistory)
                    {
                        batch.BatchCommands.Add(MigrationTracking.Command(InsertHistorySql, record.Key, record.Status, record.AppliedAt, record.ExecutionTimeMs,
                            from is null ? null : $"{AdoptionPlanner.ToolName(source!.Format)} recorded this version as {record.Status} in {from}",
                            record.Name, record.File, record.Checksum, from, record.SourceKey, from is null ? record.Origin[AdoptionPlanner.BaselineOrigin.Length..] : null));
                    }
                }

                if (copyHistory)
                {
                    var sourceKeys = plan.Records.Where(r => r.SourceKey is not null).ToArray();
                    batch.BatchCommands.Add(MigrationTracking.Command(CopyHistorySql(historySource!), sourceKeys.Select(r => r.SourceKey!).ToArray(), sourceKeys.Select(r => r.Key).ToArray(), from));
                }

                if (batch.BatchCommands.Count > 0)
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object?[] parameters, CancellationToken cancellationToken)
    {
        var batch = new NpgsqlBatch(connection) { BatchCommands = { MigrationTracking.Command(sql, parameters) } };
        await using (batch.ConfigureAwait(false))
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Parameters: version, name, kind, applied at (null: now), ms, checksum, machine, rollback SQL, status, origin.</summary>
    private string InsertVersionSql => $"""
        INSERT INTO {_tracking.Migrations} (version, migration_name, kind, applied_at, execution_time_ms, checksum, applied_by, rollback_sql, status, script_origin)
        VALUES ($1, $2, $3, coalesce($4::timestamptz, pg_catalog.clock_timestamp()), $5::bigint, $6, current_user || '@' || $7::text, $8, $9, $10)
        """;

    /// <summary>
    /// Parameters: version, status, applied at, ms, error when failed, name, file, checksum, adopted from, source key, baseline
    /// version. One apply row for a version whose tool kept no history of its own, or that a baseline recorded.
    /// </summary>
    private string InsertHistorySql => $"""
        INSERT INTO {_tracking.History} (version, action, started_at, completed_at, success, error_message, affected_rows, metadata)
        VALUES ($1, 'apply', coalesce($3::timestamptz, pg_catalog.clock_timestamp()),
            coalesce($3::timestamptz, pg_catalog.clock_timestamp()) + coalesce($4::bigint, 0) * interval '1 millisecond',
            $2::text NOT IN ('failed', 'running', 'pending'), CASE WHEN $2::text = 'failed' THEN $5::text END, CASE WHEN $11::text IS NOT NULL THEN 0 END,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', $6::text, 'origin', $7::text, 'checksum', $8::text,
                'adoptedFrom', $9::text, 'sourceKey', $10::text, 'baseline', $11::text)))
        """;

    /// <summary>Parameters: source versions, library versions (in the same order), adopted from. Copies a SQL framework's history, in its order.</summary>
    private string CopyHistorySql(string historyTable) => $"""
        INSERT INTO {_tracking.History} (version, action, started_at, completed_at, success, error_message, affected_rows, metadata)
        SELECT coalesce(m.key, h.version::text), h.action::text, coalesce(h.started_at, h.completed_at, pg_catalog.clock_timestamp()), h.completed_at,
            h.success, h.error_message, h.affected_rows,
            coalesce(h.metadata, '{"{}"}'::jsonb) || pg_catalog.jsonb_build_object('adoptedFrom', $3::text, 'sourceId', h.id, 'sourceVersion', h.version::text)
        FROM {historyTable} h
        LEFT JOIN unnest($1::text[], $2::text[]) AS m(source, key) ON m.source = h.version::text
        ORDER BY h.id
        """;
}
