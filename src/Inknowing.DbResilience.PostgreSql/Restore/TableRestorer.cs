using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Table-level restore: the table's definitions and rows go from a verified backup into a scratch database, a plan is
/// made, and the rows come into the live database in one transaction (replace, append, or a new table beside the
/// original) that re-checks every foreign key from and to the table before it commits.
/// </summary>
internal sealed class TableRestorer(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    PgRestoreStrategy pgRestore,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<TableRestorer> logger)
{
    private const int CommandTimeoutSeconds = 3600;

    private const string ColumnsQuery = """
        SELECT a.attname::text, a.attidentity = 'a', pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
        """;

    /// <summary>Restores one table from a backup as the request says.</summary>
    /// <exception cref="RestoreException">The request is refused, the table is missing, or a foreign key would break (nothing committed).</exception>
    public async Task<TableRestoreResult> RestoreAsync(RestoreSource source, TableRestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        var started = timeProvider.GetTimestamp();
        var table = request.Table;
        if (table.Name is null)
        {
            throw Refused(source, "no table was given (--table SCHEMA.TABLE)");
        }

        if (source.Format == RestoreSourceFormat.Plain)
        {
            throw Refused(source, "the backup is plain SQL, from which one table cannot be picked; use a custom-format backup");
        }

        var target = request.Mode == TableRestoreMode.NewTable
            ? new TableName(table.Schema, string.IsNullOrEmpty(request.NewTableName) ? throw Refused(source, "new-table mode needs the new table's name (--mode new:NAME)") : request.NewTableName)
            : table;
        var liveConnectionString = postgreSqlOptions.Value.ConnectionString!;
        await using var live = await PostgreSqlConnections.OpenAsync(liveConnectionString, cancellationToken).ConfigureAwait(false);
        var liveColumns = await ReadColumnsAsync(live, table, cancellationToken).ConfigureAwait(false);
        if (liveColumns.Count == 0)
        {
            throw Refused(source, $"table {table.Quoted} does not exist in the live database '{live.Database}' (to bring back a dropped table, restore it with 'restore --table {table.Quoted} --target-database {live.Database} --force')");
        }

        if (request.Mode == TableRestoreMode.NewTable && (await ReadColumnsAsync(live, target, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            throw Refused(source, $"table {target.Quoted} already exists; choose another name for the new table");
        }

        var admin = new DatabaseAdmin(liveConnectionString, restoreOptions.Value.MaintenanceDatabase);
        var scratch = restoreOptions.Value.ScratchDatabasePrefix + "_" + Guid.NewGuid().ToString("N")[..12];
        await using var copy = await LocalBackupCopy.CreateAsync(source, restoreOptions.Value.TempDirectory, cancellationToken).ConfigureAwait(false);
        await admin.CreateAsync(scratch, cancellationToken).ConfigureAwait(false);
        try
        {
            var scratchConnectionString = admin.ConnectionStringFor(scratch);
            await pgRestore.RestoreTableIntoScratchAsync(copy, source, scratchConnectionString, scratch, table, cancellationToken).ConfigureAwait(false);
            await using var scratchConnection = await PostgreSqlConnections.OpenAsync(scratchConnectionString, cancellationToken).ConfigureAwait(false);
            var backupColumns = await ReadColumnsAsync(scratchConnection, table, cancellationToken).ConfigureAwait(false);
            if (backupColumns.Count == 0)
            {
                throw Refused(source, $"backup {source.BackupId} has no table {table.Quoted}");
            }

            var columns = liveColumns.Where(c => backupColumns.Any(b => b.Name == c.Name)).ToList();
            var plan = await PlanAsync(live, scratchConnection, source, request, table, target, columns, liveColumns, cancellationToken).ConfigureAwait(false);
            Log.TableRestorePlanned(logger, table.Name, source.BackupId, plan.Mode, plan.RowsInBackup, plan.RowsInLive);
            if (request.DryRun)
            {
                return new TableRestoreResult { BackupId = source.BackupId, Plan = plan, Executed = false, Duration = timeProvider.GetElapsedTime(started) };
            }

            var (deleted, inserted) = await ExecuteAsync(live, scratchConnection, source, request, table, target, columns, cancellationToken).ConfigureAwait(false);
            return new TableRestoreResult
            {
                BackupId = source.BackupId,
                Plan = plan,
                Executed = true,
                RowsDeleted = deleted,
                RowsInserted = inserted,
                RowsSkipped = plan.RowsInBackup - inserted,
                Duration = timeProvider.GetElapsedTime(started),
            };
        }
        finally
        {
            await admin.DropAsync(scratch, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<TableRestorePlan> PlanAsync(
        NpgsqlConnection live,
        NpgsqlConnection scratch,
        RestoreSource source,
        TableRestoreRequest request,
        TableName table,
        TableName target,
        List<Column> columns,
        List<Column> liveColumns,
        CancellationToken cancellationToken)
    {
        var rowsInBackup = await CountAsync(scratch, table, cancellationToken).ConfigureAwait(false);
        var rowsInLive = request.Mode == TableRestoreMode.NewTable ? 0 : await CountAsync(live, table, cancellationToken).ConfigureAwait(false);
        var foreignKeys = await ForeignKeyConstraint.LoadAsync(live, table, cancellationToken).ConfigureAwait(false);
        var referencing = foreignKeys.Where(f => f.Parent == table).Select(f => f.Describe()).ToList();
        var own = foreignKeys.Where(f => f.Child == table).Select(f => f.Describe()).ToList();
        var steps = new List<string>
        {
            $"Restored the definitions and the {rowsInBackup} rows of {table.Quoted} from backup {source.BackupId} (SHA-256 verified) into a scratch database.",
        };
        var missing = liveColumns.Where(c => !columns.Contains(c)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            steps.Add($"Columns absent from the backup get their defaults: {string.Join(", ", missing.Select(TableName.QuoteIdentifier))}.");
        }

        switch (request.Mode)
        {
            case TableRestoreMode.Replace:
                steps.Add($"In one transaction: lock {table.Quoted}, delete its {rowsInLive} live rows and insert the {rowsInBackup} rows of the backup.");
                break;
            case TableRestoreMode.Append:
                steps.Add($"In one transaction: lock {table.Quoted} against writes and insert the {rowsInBackup} rows of the backup beside its {rowsInLive} live rows, skipping rows whose primary or unique key already exists.");
                break;
            default:
                steps.Add($"In one transaction: create {target.Quoted} like {table.Quoted} (columns, defaults, checks, indexes; no foreign keys) and insert the {rowsInBackup} rows of the backup.");
                break;
        }

        if (request.Mode != TableRestoreMode.NewTable)
        {
            steps.Add("Suspend foreign-key and user triggers for the transaction (session_replication_role = replica) when permitted, so restored rows keep their values.");
            steps.Add(referencing.Count + own.Count == 0
                ? "No foreign key references the table or is declared on it."
                : $"Before commit, re-check {referencing.Count + own.Count} foreign keys for orphaned rows; any orphan rolls everything back: {string.Join("; ", own.Concat(referencing))}.");
            steps.Add("Advance sequences owned by the table's columns past the restored values.");
        }

        steps.Add("Commit, then drop the scratch database.");
        return new TableRestorePlan
        {
            Table = table,
            TargetTable = target,
            Mode = request.Mode,
            RowsInBackup = rowsInBackup,
            RowsInLive = rowsInLive,
            ReferencingForeignKeys = referencing,
            OwnForeignKeys = own,
            Columns = columns.Select(c => c.Name).ToList(),
            Steps = steps,
        };
    }

    private static async Task<(long Deleted, long Inserted)> ExecuteAsync(
        NpgsqlConnection live,
        NpgsqlConnection scratch,
        RestoreSource source,
        TableRestoreRequest request,
        TableName table,
        TableName target,
        List<Column> columns,
        CancellationToken cancellationToken)
    {
        var columnList = string.Join(", ", columns.Select(c => TableName.QuoteIdentifier(c.Name)));
        await using var transaction = await live.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (request.Mode != TableRestoreMode.NewTable)
        {
            await transaction.SaveAsync("replica", cancellationToken).ConfigureAwait(false);
            try
            {
                await ExecuteAsync(live, "SET LOCAL session_replication_role = replica", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // Not a superuser: foreign-key triggers stay on and check each row as it is written.
                await transaction.RollbackAsync("replica", cancellationToken).ConfigureAwait(false);
            }

            var lockMode = request.Mode == TableRestoreMode.Replace ? "ACCESS EXCLUSIVE" : "SHARE ROW EXCLUSIVE";
            await ExecuteAsync(live, $"LOCK TABLE {table.Quoted} IN {lockMode} MODE", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ExecuteAsync(
                live,
                $"CREATE TABLE {target.Quoted} (LIKE {table.Quoted} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)",
                cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(live, $"CREATE TEMP TABLE dbresilience_restored_rows ON COMMIT DROP AS SELECT {columnList} FROM {table.Quoted} WITH NO DATA", cancellationToken).ConfigureAwait(false);
        using (var reader = await scratch.BeginTextExportAsync($"COPY (SELECT {columnList} FROM {table.Quoted}) TO STDOUT", cancellationToken).ConfigureAwait(false))
        {
            await using var writer = await live.BeginTextImportAsync($"COPY pg_temp.dbresilience_restored_rows ({columnList}) FROM STDIN", cancellationToken).ConfigureAwait(false);
            var buffer = new char[1 << 15];
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        long deleted = 0;
        if (request.Mode == TableRestoreMode.Replace)
        {
            deleted = await ExecuteAsync(live, $"DELETE FROM {table.Quoted}", cancellationToken).ConfigureAwait(false);
        }

        var overriding = columns.Any(c => c.IsIdentityAlways) ? " OVERRIDING SYSTEM VALUE" : string.Empty;
        var onConflict = request.Mode == TableRestoreMode.Append ? " ON CONFLICT DO NOTHING" : string.Empty;
        long inserted = await ExecuteAsync(
            live,
            $"INSERT INTO {target.Quoted} ({columnList}){overriding} SELECT {columnList} FROM pg_temp.dbresilience_restored_rows{onConflict}",
            cancellationToken).ConfigureAwait(false);

        if (request.Mode != TableRestoreMode.NewTable)
        {
            var violations = new List<string>();
            foreach (var foreignKey in await ForeignKeyConstraint.LoadAsync(live, table, cancellationToken).ConfigureAwait(false))
            {
                var orphans = await foreignKey.CountOrphansAsync(live, CommandTimeoutSeconds, cancellationToken).ConfigureAwait(false);
                if (orphans > 0)
                {
                    violations.Add(string.Create(CultureInfo.InvariantCulture, $"{foreignKey.Describe()}: {orphans} orphaned rows"));
                }
            }

            if (violations.Count > 0)
            {
                throw new RestoreException(
                    $"Restoring {table.Quoted} from backup {source.BackupId} in {request.Mode} mode would break foreign keys, so nothing was committed: "
                    + string.Join("; ", violations)
                    + ". Restore the related tables too, use append mode, or restore into a new table (--mode new:NAME) and repair by hand.")
                {
                    BackupId = source.BackupId,
                    NothingChanged = true,
                };
            }

            foreach (var column in columns.Where(c => c.OwnedSequence is not null))
            {
                await ExecuteAsync(
                    live,
                    $"SELECT setval('{column.OwnedSequence!.Replace("'", "''", StringComparison.Ordinal)}'::regclass, m) FROM (SELECT max({TableName.QuoteIdentifier(column.Name)})::bigint AS m FROM {table.Quoted}) t "
                    + $"WHERE m IS NOT NULL AND m > (SELECT last_value FROM {column.OwnedSequence})",
                    cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (deleted, inserted);
    }

    private static async Task<List<Column>> ReadColumnsAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        var columns = new List<Column>();
        await using var command = new NpgsqlCommand(ColumnsQuery, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(new Column(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return columns;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table.Quoted}", connection) { CommandTimeout = CommandTimeoutSeconds };
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = CommandTimeoutSeconds };
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static RestoreException Refused(RestoreSource source, string reason)
        => new($"Table restore from backup {source.BackupId} refused: {reason}. Nothing was changed.") { BackupId = source.BackupId, NothingChanged = true };

    private sealed record Column(string Name, bool IsIdentityAlways, string? OwnedSequence);
}
