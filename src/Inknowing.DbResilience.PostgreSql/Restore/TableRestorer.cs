using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Table-level restore: the definitions and the rows go from a verified backup into a scratch database, a plan is made
/// that names every table whose rows move (the table, each partition of a partitioned table, an inheritance parent's
/// children when asked for), and the rows come into the live database in one transaction (replace, append, or a new
/// table) that checks each table's rows against the backup manifest before anything is deleted, and re-checks every
/// foreign key from and to the tables before it commits.
/// </summary>
/// <remarks>
/// This file holds the flow and its shared helpers. Reading a table's shape from the catalog is in
/// <c>TableRestorer.Shapes.cs</c>, the refusals made before any row moves in <c>TableRestorer.Checks.cs</c>, the plan (rows
/// checked against the manifest, the steps told to the operator) in <c>TableRestorer.Planning.cs</c>, and the one-transaction
/// copy in <c>TableRestorer.Copy.cs</c>.
/// </remarks>
internal sealed partial class TableRestorer(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    PgRestoreStrategy pgRestore,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<TableRestorer> logger)
{
    private const int CommandTimeoutSeconds = 3600;


    /// <summary>Restores one table from a backup as the request says.</summary>
    /// <exception cref="RestoreException">The request is refused, the table is missing, the backup's rows disagree with its manifest, or a foreign key would break (nothing committed).</exception>
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

        var newTable = request.Mode == TableRestoreMode.NewTable;
        var target = newTable
            ? request.NewTable ?? (string.IsNullOrEmpty(request.NewTableName) ? throw Refused(source, "new-table mode needs the new table's name (--mode new:NAME)") : new TableName(table.Schema, request.NewTableName))
            : table;
        if (System.Text.Encoding.UTF8.GetByteCount(target.Name) > TableName.MaxIdentifierBytes)
        {
            throw Refused(source, $"the new table's name {TableName.QuoteIdentifier(target.Name)} is longer than PostgreSQL's {TableName.MaxIdentifierBytes} bytes, which would cut it to another name; choose a shorter one");
        }

        var liveConnectionString = postgreSqlOptions.Value.ConnectionString!;
        await using var live = await PostgreSqlConnections.OpenAsync(liveConnectionString, cancellationToken).ConfigureAwait(false);
        var liveShape = await DescribeAsync(live, table, request.IncludeChildren, cancellationToken).ConfigureAwait(false)
            ?? throw Refused(source, $"table {table.Quoted} does not exist in the live database '{live.Database}' (to bring back a dropped table, restore it with 'restore --table {table.Quoted} --target-database {live.Database} --force')");
        CheckRestorable(source, request, liveShape);
        if (newTable)
        {
            if (await DescribeAsync(live, target, false, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw Refused(source, $"table {target.Quoted} already exists; choose another name for the new table");
            }

            if (!await ScalarAsync<bool>(live, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", cancellationToken, target.Schema).ConfigureAwait(false))
            {
                throw Refused(source, $"schema {TableName.QuoteIdentifier(target.Schema)} of the new table {target.Quoted} does not exist; create it first (CREATE SCHEMA {TableName.QuoteIdentifier(target.Schema)}) or choose another schema");
            }
        }

        var admin = new DatabaseAdmin(liveConnectionString, restoreOptions.Value.MaintenanceDatabase);
        var scratch = restoreOptions.Value.ScratchDatabasePrefix + "_" + Guid.NewGuid().ToString("N")[..12];
        await using var copy = await LocalBackupCopy.CreateAsync(source, restoreOptions.Value.TempDirectory, cancellationToken).ConfigureAwait(false);
        foreach (var abandoned in await admin.CreateScratchAsync(scratch, restoreOptions.Value.TempDirectory, cancellationToken).ConfigureAwait(false))
        {
            Log.AbandonedScratchDatabaseDropped(logger, abandoned);
        }

        try
        {
            var scratchConnectionString = admin.ConnectionStringFor(scratch);
            await pgRestore.RestoreDefinitionsIntoScratchAsync(copy, source, scratchConnectionString, scratch, cancellationToken).ConfigureAwait(false);
            await using var scratchConnection = await PostgreSqlConnections.OpenAsync(scratchConnectionString, cancellationToken).ConfigureAwait(false);
            var backupShape = await DescribeAsync(scratchConnection, table, request.IncludeChildren, cancellationToken).ConfigureAwait(false)
                ?? throw Refused(source, $"backup {source.BackupId} has no table {table.Quoted}");
            CheckSameShape(source, request, liveShape, backupShape);
            await pgRestore.RestoreRowsIntoScratchAsync(copy, source, scratchConnectionString, scratch, backupShape.Members.Select(m => m.Table).ToList(), cancellationToken).ConfigureAwait(false);

            var moves = await PrepareMovesAsync(live, scratchConnection, source, request, liveShape, backupShape, target, cancellationToken).ConfigureAwait(false);
            var plan = await PlanAsync(live, source, request, liveShape, target, moves, cancellationToken).ConfigureAwait(false);
            Log.TableRestorePlanned(logger, table.Name, source.BackupId, plan.Mode, plan.RowsInBackup, plan.RowsInLive);
            if (request.DryRun)
            {
                return new TableRestoreResult { BackupId = source.BackupId, Plan = plan, Executed = false, Duration = timeProvider.GetElapsedTime(started) };
            }

            var (deleted, inserted) = await ExecuteAsync(live, scratchConnection, source, request, liveShape, target, moves, cancellationToken).ConfigureAwait(false);
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

    private static Task<long> CountAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
        => ScalarAsync<long>(connection, $"SELECT count(*) FROM ONLY {table.Quoted}", cancellationToken);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = CommandTimeoutSeconds };
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = CommandTimeoutSeconds };
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Staging(int index) => "dbresilience_restored_rows_" + index.ToString(CultureInfo.InvariantCulture);

    private static string KindName(char kind) => kind switch
    {
        'r' => "a table",
        'p' => "a partitioned table",
        'v' => "a view",
        'm' => "a materialized view",
        'f' => "a foreign table",
        'S' => "a sequence",
        _ => "not a table",
    };

    private static RestoreException Refused(RestoreSource source, string reason)
        => new($"Table restore from backup {source.BackupId} refused: {reason}. Nothing was changed.") { BackupId = source.BackupId, NothingChanged = true };

    private static RestoreException Aborted(RestoreSource source, TableRestoreRequest request, string reason)
        => new($"Table restore of {request.Table.Quoted} from backup {source.BackupId} aborted before commit: {reason}. The transaction was rolled back; nothing was changed.")
        {
            BackupId = source.BackupId,
            NothingChanged = true,
        };
}
