using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

// Runs the scripts of a migrate or rollback plan: transactional scripts batched into round trips, the others statement by statement.
internal sealed partial class PostgreSqlMigrationRunner
{
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
                executions.Add(new MigrationExecution
                {
                    Kind = script.Kind,
                    Key = script.TrackingKey,
                    Name = script.Name,
                    Origin = script.Origin,
                    Action = MigrationStatusText.ToAction(action),
                    Transactional = true,
                    Sql = script.Sql,
                    Duration = TimeSpan.FromMilliseconds(elapsedMs),
                    AffectedRows = affected,
                    RestorePointName = restorePoint,
                    RestorePointLsn = lsn,
                });
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
        return new MigrationExecution { Kind = script.Kind, Key = key, Name = script.Name, Origin = script.Origin, Action = MigrationStatusText.ToAction(action), Transactional = false, Sql = script.Sql, Duration = duration, AffectedRows = affected, RestorePointName = restorePoint?.Name, RestorePointLsn = restorePoint?.Lsn };
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

    /// <summary>The most SQL text (in characters) that one round trip of several scripts carries; a larger script goes alone.</summary>
    private const int MaxBatchCharacters = 1024 * 1024;

    private int CommandTimeoutSeconds => (int)Math.Ceiling(_options.CommandTimeout.TotalSeconds);

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
