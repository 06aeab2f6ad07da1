using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// Applies migrations to PostgreSQL under a session-level advisory lock, one transaction per script together with its
/// tracking rows, or statement by statement outside a transaction when the script needs it.
/// </summary>
/// <remarks>
/// The lock is taken with <c>pg_try_advisory_lock</c> polled from the client, never with a blocking
/// <c>pg_advisory_lock</c>: a backend blocked inside a lock wait holds a snapshot, and CREATE INDEX CONCURRENTLY run by
/// the lock holder would wait for that snapshot while the waiter waits for the lock, a deadlock that PostgreSQL cannot
/// see. The lock holder's own connection sits idle outside any transaction between scripts, so it has no snapshot either.
/// <para>
/// This file is the executor, and is longer than 500 lines because batching transactional scripts (one round trip for up
/// to <see cref="MigrationOptions.BatchSize"/> scripts, each in its own transaction), running scripts outside a
/// transaction statement by statement, restore points and failure records share one connection and one run state. What
/// to run is decided apart, in <see cref="MigrationPlanner"/> (pure, unit-tested); the lock is <see cref="AdvisoryLock"/>.
/// </para>
/// </remarks>
internal sealed class PostgreSqlMigrationRunner : IMigrationRunner
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly MigrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MigrationTracking _tracking;

    public PostgreSqlMigrationRunner(
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
        IOptions<MigrationOptions> options,
        IOptions<DbResilienceOptions> library,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlMigrationRunner> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _schema = library.Value.Schema;
        _tracking = new MigrationTracking(_schema);
    }

    public async Task<MigrationRunResult> MigrateAsync(MigrateRequest? request = null, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        request ??= new MigrateRequest();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (request.DryRun)
            {
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var dry = MigrationPlanner.Plan(catalog, tracked, request, _options)
                    .Select(p => new MigrationExecution(p.Script.Kind, p.Script.TrackingKey, p.Script.Name, p.Script.Origin, "apply",
                        !SqlScriptParser.Parse(p.Script.Sql).RunsOutsideTransaction, p.Script.Sql, TimeSpan.Zero, 0, null, null))
                    .ToArray();
                return new MigrationRunResult(dry, true, _time.GetElapsedTime(started));
            }

            await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
            try
            {
                // Under the lock: an adoption that held it has finished, and its history is what this run reads.
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                await EnsureTablesAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var plan = MigrationPlanner.Plan(catalog, tracked, request, _options);
                if (plan.Count == 0)
                {
                    Log.UpToDate(_logger, catalog.Migrations.Count);
                    return new MigrationRunResult(Array.Empty<MigrationExecution>(), false, _time.GetElapsedTime(started));
                }

                var run = new RunContext(await CanCreateRestorePointsAsync(connection, cancellationToken).ConfigureAwait(false));
                var executions = await RunAllAsync(connection, plan, "apply", run, cancellationToken).ConfigureAwait(false);
                return new MigrationRunResult(executions, false, _time.GetElapsedTime(started));
            }
            finally
            {
                await ReleaseLockAsync(connection).ConfigureAwait(false);
            }
        }
    }

    public async Task<MigrationRunResult> RollbackAsync(MigrationVersion targetVersion, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!dryRun)
            {
                await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var scripts = MigrationPlanner.PlanRollback(catalog, tracked, targetVersion);
                if (dryRun)
                {
                    var dry = scripts.Select(s => new MigrationExecution(MigrationKind.Rollback, s.TrackingKey, s.Name, s.Origin, "rollback",
                        !SqlScriptParser.Parse(s.Sql).RunsOutsideTransaction, s.Sql, TimeSpan.Zero, 0, null, null)).ToArray();
                    return new MigrationRunResult(dry, true, _time.GetElapsedTime(started));
                }

                var run = new RunContext(scripts.Count > 0 && await CanCreateRestorePointsAsync(connection, cancellationToken).ConfigureAwait(false));
                var executions = await RunAllAsync(connection, scripts.Select(s => (s, (string?)null)).ToList(), "rollback", run, cancellationToken).ConfigureAwait(false);
                return new MigrationRunResult(executions, false, _time.GetElapsedTime(started));
            }
            finally
            {
                if (!dryRun)
                {
                    await ReleaseLockAsync(connection).ConfigureAwait(false);
                }
            }
        }
    }

    public async Task<IReadOnlyList<MigrationStatusEntry>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
            var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
            return MigrationPlanner.BuildStatus(catalog, tracked);
        }
    }

    public async Task<MigrationValidationReport> ValidateAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
            var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
            var problems = MigrationPlanner.Validate(catalog, tracked, _options.AllowOutOfOrder);

            problems.AddRange(await FindMissingObjectsAsync(connection, cancellationToken).ConfigureAwait(false));
            var report = new MigrationValidationReport(problems, catalog.Migrations.Count + catalog.Seeds.Count + catalog.Repeatables.Count);
            if (tracked.Count > 0)
            {
                var metadata = JsonSerializer.Serialize(
                    new ValidationMetadata(report.Checked, problems.Select(p => $"{p.Kind} {p.Version}: {p.Message}").ToArray()),
                    MigrationHistoryJson.Default.ValidationMetadata);
                var batch = new NpgsqlBatch(connection) { BatchCommands = { MigrationTracking.Command(_tracking.InsertVerifySql, report.IsValid, metadata) } };
                await using (batch.ConfigureAwait(false))
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return report;
        }
    }

    /// <summary>
    /// Runs the scripts of a plan in order: each run of consecutive transactional scripts goes to the server in round trips
    /// of up to <see cref="MigrationOptions.BatchSize"/> scripts, each script still in a transaction of its own; a script
    /// that runs outside a transaction goes alone. Writes the row counts still pending at the end.
    /// </summary>
    private async Task<List<MigrationExecution>> RunAllAsync(
        NpgsqlConnection connection, IReadOnlyList<(MigrationScript Script, string? RollbackSql)> plan, string action, RunContext run, CancellationToken cancellationToken)
    {
        var executions = new List<MigrationExecution>(plan.Count);
        var parsed = plan.Select(p => SqlScriptParser.Parse(p.Script.Sql)).ToArray();
        var batchSize = _options.CommandTimeout > TimeSpan.Zero ? 1 : Math.Max(1, _options.BatchSize);
        var i = 0;
        while (i < plan.Count)
        {
            if (parsed[i].RunsOutsideTransaction)
            {
                executions.Add(await RunOutsideTransactionAsync(connection, plan[i].Script, parsed[i], action, plan[i].RollbackSql, run, cancellationToken).ConfigureAwait(false));
                i++;
                continue;
            }

            var group = new List<PlannedScript>();
            long characters = 0;
            while (i < plan.Count && !parsed[i].RunsOutsideTransaction && group.Count < batchSize
                && (group.Count == 0 || characters + plan[i].Script.Sql.Length <= MaxBatchCharacters))
            {
                characters += plan[i].Script.Sql.Length;
                group.Add(new PlannedScript(plan[i].Script, parsed[i], plan[i].RollbackSql));
                i++;
            }

            executions.AddRange(await RunInTransactionsAsync(connection, group, action, run, cancellationToken).ConfigureAwait(false));
        }

        await FlushAsync(connection, run, cancellationToken).ConfigureAwait(false);
        return executions;
    }

    /// <summary>
    /// Runs transactional scripts in one round trip, each as <c>BEGIN</c>, <c>RESET ALL</c>, its restore point, its
    /// statements, its history row and status in one statement, <c>COMMIT</c>: a script, its history row and its status
    /// commit together or not at all. When one fails, the server skips the rest of the round trip: the scripts before it
    /// stay committed, it is rolled back and recorded as failed, and the ones after it never ran.
    /// </summary>
    private async Task<IReadOnlyList<MigrationExecution>> RunInTransactionsAsync(
        NpgsqlConnection connection, List<PlannedScript> group, string action, RunContext run, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var layout = new (int First, int Commit, string? RestorePoint, object?[] HistoryArgs, bool RowsKnown)[group.Count];
        var batch = new NpgsqlBatch(connection) { Timeout = CommandTimeoutSeconds };
        await using (batch.ConfigureAwait(false))
        {
            for (var k = 0; k < group.Count; k++)
            {
                var (script, parsed, rollbackSql) = group[k];
                var restorePoint = run.RestorePoints ? RestorePointName(action, script.TrackingKey) : null;

                // The LSN is filled in by the server (the restore point is created in the same round trip).
                object?[] historyArgs = [script.TrackingKey, action, Metadata(script, transactional: true, restorePoint is null ? null : (restorePoint, null))];
                batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                batch.BatchCommands.Add(new NpgsqlBatchCommand("RESET ALL"));
                if (k == 0)
                {
                    AddPendingRows(batch, run);
                }

                if (restorePoint is not null)
                {
                    // Inside the script's transaction, before its statements: recovery to this point stops before the
                    // script's COMMIT, so it undoes exactly this script (and what committed after it).
                    batch.BatchCommands.Add(MigrationTracking.Command(MigrationTracking.CreateRestorePointInTransactionSql, restorePoint));
                }

                var first = batch.BatchCommands.Count;
                foreach (var text in parsed.Statements.Select(s => s.Text))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(text));
                }

                // A script's row count is only known once it ran: unless its statements cannot report one (plain DDL), it is
                // written by the next round trip (FlushAsync at the latest).
                var knownRows = parsed.ReportsRows ? (long?)null : 0L;
                batch.BatchCommands.Add(action == "apply"
                    ? MigrationTracking.Command(_tracking.ApplyCompletedSql,
                        [.. historyArgs, knownRows, script.Name, KindName(script.Kind), script.Checksum, MachineName, rollbackSql, script.Origin])
                    : MigrationTracking.Command(_tracking.RollbackCompletedSql, [.. historyArgs, knownRows]));
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                layout[k] = (first, batch.BatchCommands.Count - 1, restorePoint, historyArgs, knownRows is not null);
            }

            var results = new BatchResults();
            Exception? error = null;
            try
            {
                await ReadAsync(batch, results, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PostgresException or OperationCanceledException or NpgsqlException)
            {
                error = ex;
            }

            var failedIndex = error is null ? -1 : FailedCommandIndex(batch);
            var committed = failedIndex < 0 ? group.Count : layout.Count(l => l.Commit < failedIndex);
            var executions = new List<MigrationExecution>(committed);
            if (committed > 0)
            {
                run.PendingRows.Clear();
            }

            long committedMs = 0;
            for (var k = 0; k < committed; k++)
            {
                var (script, parsed, _) = group[k];
                var (first, _, restorePoint, _, rowsKnown) = layout[k];
                long affected = 0;
                for (var c = first; c < first + parsed.Statements.Count; c++)
                {
                    affected += Math.Max(0, batch.BatchCommands[c].RecordsAffected);
                }

                var (historyId, elapsedMs) = results.Completions[k];
                committedMs += elapsedMs;
                if (!rowsKnown)
                {
                    run.PendingRows.Add((historyId, affected));
                }

                var lsn = restorePoint is null ? null : results.RestorePointLsns[k];
                Log.ScriptRan(_logger, action, script.TrackingKey, script.Name, elapsedMs, "one transaction");
                executions.Add(new MigrationExecution(script.Kind, script.TrackingKey, script.Name, script.Origin, action, true, script.Sql,
                    TimeSpan.FromMilliseconds(elapsedMs), affected, restorePoint, lsn));
            }

            if (error is null)
            {
                return executions;
            }

            if (committed == group.Count)
            {
                // Every script committed before the error (a cancellation that came too late to stop anything).
                throw error;
            }

            var failed = group[committed];
            var at = layout[committed];
            var statementIndex = failedIndex - at.First;
            var statement = statementIndex >= 0 && statementIndex < failed.Parsed.Statements.Count ? failed.Parsed.Statements[statementIndex] : null;
            if (at.RestorePoint is not null && results.RestorePointLsns.Count > committed)
            {
                at.HistoryArgs[2] = Metadata(failed.Script, transactional: true, (at.RestorePoint, results.RestorePointLsns[committed]));
            }

            // The failed script started when the one before it committed: the round trip's time less the scripts before it.
            var failedMs = Math.Max(0, (long)_time.GetElapsedTime(started).TotalMilliseconds - committedMs);
            var invalid = await RecordFailureAsync(connection, failed.Script, action, true, at.HistoryArgs, null, failedMs, failed.RollbackSql, run, error, string.Empty).ConfigureAwait(false);
            if (error is OperationCanceledException)
            {
                throw error;
            }

            throw CreateFailure(failed.Script, action, true, statement, error, invalid, [], string.Empty);
        }
    }

    /// <summary>
    /// Runs a script that cannot run inside a transaction: its restore point and its opened history row and <c>running</c>
    /// status first, then each statement on its own, then its history row and status completed in one transaction.
    /// </summary>
    private async Task<MigrationExecution> RunOutsideTransactionAsync(
        NpgsqlConnection connection, MigrationScript script, SqlScript parsed, string action, string? rollbackSql, RunContext run, CancellationToken cancellationToken)
    {
        var key = script.TrackingKey;
        var started = _time.GetTimestamp();
        var statementIndex = -1;
        var ran = 0;
        long affected = 0;
        long? historyId = null;
        (string Name, string? Lsn)? restorePoint = null;
        object?[] historyArgs = [key, action, Metadata(script, false, null)];
        try
        {
            restorePoint = await CreateRestorePointAsync(connection, action, key, run, cancellationToken).ConfigureAwait(false);
            historyArgs[2] = Metadata(script, false, restorePoint);
            var begin = new NpgsqlBatch(connection);
            await using (begin.ConfigureAwait(false))
            {
                begin.BatchCommands.Add(new NpgsqlBatchCommand("RESET ALL"));
                AddPendingRows(begin, run);
                begin.BatchCommands.Add(MigrationTracking.Command(_tracking.InsertStartedHistorySql, historyArgs));
                if (action == "apply")
                {
                    begin.BatchCommands.Add(MigrationTracking.Command(_tracking.UpsertSql, key, script.Name, KindName(script.Kind), null, script.Checksum, MachineName, rollbackSql, "running", script.Origin));
                }

                var results = new BatchResults();
                await ReadAsync(begin, results, cancellationToken).ConfigureAwait(false);
                run.PendingRows.Clear();
                historyId = results.HistoryId;
            }

            for (statementIndex = 0; statementIndex < parsed.Statements.Count; statementIndex++)
            {
                var command = new NpgsqlCommand(parsed.Statements[statementIndex].Text, connection) { CommandTimeout = CommandTimeoutSeconds };
                await using (command.ConfigureAwait(false))
                {
                    affected += Math.Max(0, await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false));
                }

                ran = statementIndex + 1;
            }

            statementIndex = -1;
            var elapsed = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            var finish = new NpgsqlBatch(connection);
            await using (finish.ConfigureAwait(false))
            {
                finish.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                finish.BatchCommands.Add(MigrationTracking.Command(_tracking.CompleteHistorySql, historyId, true, affected, null));
                finish.BatchCommands.Add(CompletionCommand(script, action, elapsed, rollbackSql));
                finish.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is PostgresException or OperationCanceledException or NpgsqlException)
        {
            var elapsedMs = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            var statement = statementIndex >= 0 && statementIndex < parsed.Statements.Count ? parsed.Statements[statementIndex] : null;
            var applied = parsed.Statements.Take(ran).ToArray();
            var appliedNote = AppliedNote(parsed, applied, statement);
            var failure = await RecordFailureAsync(connection, script, action, false, historyArgs, historyId, elapsedMs, rollbackSql, run, ex, appliedNote).ConfigureAwait(false);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw CreateFailure(script, action, false, statement, ex, failure, applied, appliedNote);
        }

        var duration = _time.GetElapsedTime(started);
        Log.ScriptRan(_logger, action, key, script.Name, (long)duration.TotalMilliseconds, "outside a transaction");
        return new MigrationExecution(script.Kind, key, script.Name, script.Origin, action, false, script.Sql, duration, affected, restorePoint?.Name, restorePoint?.Lsn);
    }

    /// <summary>Returns the history metadata of a script as JSON text: sent as one parameter, it costs the server no parsing of a twelve-argument jsonb_build_object.</summary>
    private static string Metadata(MigrationScript script, bool transactional, (string Name, string? Lsn)? restorePoint)
        => JsonSerializer.Serialize(
            new ScriptRunMetadata(script.Name, script.Origin, script.Checksum, transactional, restorePoint?.Name, restorePoint?.Lsn),
            MigrationHistoryJson.Default.ScriptRunMetadata);

    /// <summary>Creates the restore point before a script in its own round trip; returns null when restore points are off.</summary>
    private async Task<(string Name, string Lsn)?> CreateRestorePointAsync(NpgsqlConnection connection, string action, string key, RunContext run, CancellationToken cancellationToken)
    {
        if (!run.RestorePoints)
        {
            return null;
        }

        var name = RestorePointName(action, key);
        var command = new NpgsqlCommand(MigrationTracking.CreateRestorePointSql, connection) { Parameters = { new NpgsqlParameter { Value = name } } };
        await using (command.ConfigureAwait(false))
        {
            var lsn = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return (name, lsn);
        }
    }

    private void AddPendingRows(NpgsqlBatch batch, RunContext run)
    {
        foreach (var (id, rows) in run.PendingRows)
        {
            batch.BatchCommands.Add(MigrationTracking.Command(_tracking.SetAffectedRowsSql, id, rows));
        }
    }

    /// <summary>Writes the row counts of the last transactional scripts, which their own round trip could not know.</summary>
    private async Task FlushAsync(NpgsqlConnection connection, RunContext run, CancellationToken cancellationToken)
    {
        if (run.PendingRows.Count == 0)
        {
            return;
        }

        var batch = new NpgsqlBatch(connection);
        await using (batch.ConfigureAwait(false))
        {
            AddPendingRows(batch, run);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            run.PendingRows.Clear();
        }
    }

    /// <summary>
    /// Runs a batch and reads every result, keeping the history row ids, execution times and restore point LSNs it returns
    /// (found by column name, in the order of the scripts). What was read before an error stays in <paramref name="results"/>.
    /// </summary>
    private static async Task ReadAsync(NpgsqlBatch batch, BatchResults results, CancellationToken cancellationToken)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            do
            {
                if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    switch (reader.GetName(0))
                    {
                        case MigrationTracking.HistoryIdColumn when reader.FieldCount == 2:
                            results.Completions.Add((reader.GetInt64(0), reader.GetInt64(1)));
                            break;
                        case MigrationTracking.HistoryIdColumn:
                            results.HistoryId = reader.GetInt64(0);
                            break;
                        case MigrationTracking.RestorePointLsnColumn:
                            results.RestorePointLsns.Add(reader.GetString(0));
                            break;
                    }
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Finds the command that failed: the first one that never completed (PostgresException.BatchCommand is not set for batches read to the end).</summary>
    private static int FailedCommandIndex(NpgsqlBatch batch)
    {
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            if (batch.BatchCommands[i].StatementType == StatementType.Unknown)
            {
                return i;
            }
        }

        return -1;
    }

    private NpgsqlBatchCommand CompletionCommand(MigrationScript script, string action, long? elapsedMs, string? rollbackSql)
        => action == "apply"
            ? MigrationTracking.Command(_tracking.UpsertSql, script.TrackingKey, script.Name, KindName(script.Kind), elapsedMs, script.Checksum, MachineName, rollbackSql, "completed", script.Origin)
            : MigrationTracking.Command(_tracking.SetStatusSql, script.TrackingKey, "rolled_back");

    private async Task<IReadOnlyList<string>> RecordFailureAsync(
        NpgsqlConnection connection, MigrationScript script, string action, bool transactional, object?[] historyArgs, long? historyId, long elapsedMs, string? rollbackSql, RunContext run, Exception error, string appliedNote)
    {
        // The caller's token may be the one that was cancelled: the record of the failure is written regardless.
        if (connection.FullState.HasFlag(System.Data.ConnectionState.Broken) || connection.State != System.Data.ConnectionState.Open)
        {
            return Array.Empty<string>();
        }

        try
        {
            var message = (error is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : error.Message) + appliedNote;
            var batch = new NpgsqlBatch(connection);
            await using (batch.ConfigureAwait(false))
            {
                // Ends the script's transaction, or the tracking transaction of a script run outside one; harmless (a warning)
                // when no transaction is open, such as after a failed statement of a non-transactional script.
                batch.BatchCommands.Add(new NpgsqlBatchCommand("ROLLBACK"));

                AddPendingRows(batch, run);
                batch.BatchCommands.Add(historyId is { } id
                    ? MigrationTracking.Command(_tracking.CompleteHistorySql, id, false, null, message)
                    : MigrationTracking.Command(_tracking.InsertFailedHistorySql, [.. historyArgs, elapsedMs, message]));
                if (action == "apply")
                {
                    batch.BatchCommands.Add(MigrationTracking.Command(_tracking.UpsertSql, script.TrackingKey, script.Name, KindName(script.Kind), elapsedMs, script.Checksum, MachineName, rollbackSql, "failed", script.Origin));
                }

                await batch.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                run.PendingRows.Clear();
            }

            return transactional ? Array.Empty<string>() : await FindInvalidIndexesAsync(connection).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The database refused even the failure record (the connection broke): the original error is what matters.
            return Array.Empty<string>();
        }
    }

    private async Task<IReadOnlyList<string>> FindInvalidIndexesAsync(NpgsqlConnection connection)
    {
        const string sql = """
            SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT i.indisvalid
            ORDER BY 1
            """;
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var result = new List<string>();
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    result.Add(reader.GetString(0));
                }
            }

            foreach (var index in result)
            {
                Log.InvalidIndex(_logger, index);
            }

            return result;
        }
    }

    /// <summary>
    /// Says which statements of a failed non-transactional script ran and stay applied, each with its line and its text
    /// shortened to one line, so the operator can finish or undo them by hand.
    /// </summary>
    private static string AppliedNote(SqlScript parsed, SqlStatement[] applied, SqlStatement? failed)
    {
        var total = parsed.Statements.Count;
        var failedAt = failed is null ? string.Empty : $" Statement {applied.Length + 1} (line {failed.Line}) failed and none after it ran.";
        if (applied.Length == 0)
        {
            return $" No statement of the script ran: nothing of it is applied.{failedAt}";
        }

        var list = string.Join("; ", applied.Select((s, i) => $"{i + 1}. line {s.Line}: {Shorten(s.Text)}"));
        var which = applied.Length == total ? $"All {total} statements ran and stay applied" : $"Statements 1 to {applied.Length} of {total} ran and stay applied";
        return $" {which}: {list}.{failedAt}";
    }

    private static string Shorten(string statement)
    {
        var oneLine = string.Join(' ', statement.Split((char[])['\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= 120 ? oneLine : oneLine[..117] + "...";
    }

    private MigrationException CreateFailure(
        MigrationScript script, string action, bool transactional, SqlStatement? statement, Exception error, IReadOnlyList<string> invalidIndexes,
        IReadOnlyList<SqlStatement> applied, string appliedNote)
    {
        var pg = error as PostgresException;
        int? line = null;
        if (statement is not null)
        {
            var offset = statement.Offset + (pg is { Position: > 0 } ? pg.Position - 1 : 0);
            line = SqlScriptParser.LineAt(script.Sql, offset);
        }

        Log.ScriptFailed(_logger, error, action, script.TrackingKey, script.Origin, line, pg?.SqlState);
        var what = action == "apply" ? "Migration" : "Rollback of";
        var where = line is null ? string.Empty : $" line {line}";
        var state = pg is null ? string.Empty : $" SQLSTATE {pg.SqlState}:";
        var detail = pg is null ? error.Message : pg.MessageText + (pg.Detail is { Length: > 0 } d ? " (" + d + ")" : string.Empty);
        var outcome = transactional
            ? " The script was rolled back; fix it and run again."
            : $" The script ran outside a transaction.{appliedNote} Finish or undo the applied statements by hand (or make them idempotent, IF NOT EXISTS), then run again.";
        var indexes = invalidIndexes.Count == 0 ? string.Empty
            : $" INVALID indexes left behind: {string.Join(", ", invalidIndexes)}; drop each with DROP INDEX CONCURRENTLY before running again.";
        return new MigrationException($"{what} {script.TrackingKey} ('{script.Origin}'{where}) failed:{state} {detail}.{outcome}{indexes}", error)
        {
            Version = script.TrackingKey,
            Origin = script.Origin,
            Line = line,
            SqlState = pg?.SqlState,
            InvalidIndexes = invalidIndexes,
            AppliedStatements = applied.Select(a => a.Text).ToArray(),
        };
    }

    private static string MachineName { get; } = Environment.MachineName;

    /// <summary>The most SQL text (in characters) that one round trip of several scripts carries; a larger script goes alone.</summary>
    private const int MaxBatchCharacters = 1024 * 1024;

    private int CommandTimeoutSeconds => (int)Math.Ceiling(_options.CommandTimeout.TotalSeconds);

    private static string KindName(MigrationKind kind) => kind switch
    {
        MigrationKind.Seed => "seed",
        MigrationKind.Repeatable => "repeatable",
        _ => "versioned",
    };

    private string RestorePointName(string action, string key)
    {
        var safe = new string(key.Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '_').ToArray());
        var name = string.Create(CultureInfo.InvariantCulture, $"dbr_{action}_{safe}_{_time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}");
        return name.Length <= 63 ? name : name[..63];
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new MigrationException($"Cannot connect to the database to run migrations: {ex.Message}", ex);
        }
    }

    private async Task<bool> CanCreateRestorePointsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!_options.CreateRestorePoints)
        {
            return false;
        }

        const string sql = """
            SELECT pg_catalog.has_function_privilege('pg_catalog.pg_create_restore_point(text)', 'EXECUTE'),
                   pg_catalog.current_setting('wal_level') <> 'minimal',
                   NOT pg_catalog.pg_is_in_recovery()
            """;
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var reason = !reader.GetBoolean(0) ? "the role may not execute pg_create_restore_point; GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) to it"
                    : !reader.GetBoolean(1) ? "wal_level is minimal; set it to replica"
                    : !reader.GetBoolean(2) ? "the server is in recovery"
                    : null;
                if (reason is null)
                {
                    return true;
                }

                Log.RestorePointsUnavailable(_logger, reason);
                return false;
            }
        }
    }

    private Task EnsureTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => _tracking.EnsureTablesAsync(connection, cancellationToken);

    private async Task<Dictionary<string, TrackedMigration>> ReadTrackedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TrackedMigration>(StringComparer.Ordinal);
        var exists = new NpgsqlCommand(_tracking.ExistsSql, connection);
        await using (exists.ConfigureAwait(false))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return result;
            }
        }

        var command = new NpgsqlCommand(_tracking.SelectSql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = new TrackedMigration(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
                        reader.IsDBNull(6) ? null : reader.GetInt64(6),
                        reader.IsDBNull(7) ? null : reader.GetString(7))
                    {
                        Origin = reader.IsDBNull(8) ? null : reader.GetString(8),
                    };
                    result[row.Version] = row;
                }
            }
        }

        return result;
    }

    private async Task<List<MigrationProblem>> FindMissingObjectsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var problems = new List<MigrationProblem>();
        var expected = _options.ExpectedTables.Select(t => (Name: t, Kinds: "rpvmf", What: "table"))
            .Concat(_options.ExpectedIndexes.Select(i => (Name: i, Kinds: "iI", What: "index")));
        foreach (var (name, kinds, what) in expected)
        {
            const string sql = """
                SELECT c.relkind::text, coalesce(i.indisvalid, true)
                FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
                WHERE c.oid = pg_catalog.to_regclass($1)
                """;
            var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = name } } };
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var found = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (!found || !kinds.Contains(reader.GetString(0), StringComparison.Ordinal))
                    {
                        problems.Add(new MigrationProblem(MigrationProblemKind.MissingObject, name, $"The expected {what} '{name}' does not exist."));
                    }
                    else if (!reader.GetBoolean(1))
                    {
                        problems.Add(new MigrationProblem(MigrationProblemKind.MissingObject, name, $"The expected index '{name}' is INVALID: drop it with DROP INDEX CONCURRENTLY and build it again."));
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>Refuses before anything is read or run when the migration tables are not the library's, or another history is unaccounted for.</summary>
    private Task<DatabaseMigrationTables> GuardAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => MigrationTableInspector.EnsureUsableAsync(connection, _schema, _options.IgnoreForeignHistories, cancellationToken);

    private Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => MigrationLock.AcquireAsync(connection, _tracking, _options.LockTimeout, _time, _logger, cancellationToken);

    private Task ReleaseLockAsync(NpgsqlConnection connection) => MigrationLock.ReleaseAsync(connection, _tracking);

    /// <summary>The state of one migrate or rollback run.</summary>
    private sealed class RunContext(bool restorePoints)
    {
        public bool RestorePoints { get; } = restorePoints;

        /// <summary>Gets the history rows and row counts of the last transactional scripts, not yet written.</summary>
        public List<(long Id, long Rows)> PendingRows { get; } = [];
    }

    /// <summary>What a tracking batch returned, in the order of its scripts.</summary>
    private sealed class BatchResults
    {
        /// <summary>Gets or sets the history row opened by a script that runs outside a transaction.</summary>
        public long? HistoryId { get; set; }

        /// <summary>Gets the history row id and the server-measured execution time of each script that committed.</summary>
        public List<(long HistoryId, long ElapsedMs)> Completions { get; } = [];

        public List<string> RestorePointLsns { get; } = [];
    }

    private sealed record PlannedScript(MigrationScript Script, SqlScript Parsed, string? RollbackSql);
}
