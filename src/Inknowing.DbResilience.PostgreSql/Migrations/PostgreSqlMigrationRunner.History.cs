using System.Globalization;
using System.Text.Json;
using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

// Writes what a run did: history metadata, restore points, pending row counts, failure records and the exception that reports a failure.
internal sealed partial class PostgreSqlMigrationRunner
{
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
}
