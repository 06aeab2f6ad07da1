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
/// Table-level restore: the definitions and the rows go from a verified backup into a scratch database, a plan is made
/// that names every table whose rows move (the table, each partition of a partitioned table, an inheritance parent's
/// children when asked for), and the rows come into the live database in one transaction (replace, append, or a new
/// table) that checks each table's rows against the backup manifest before anything is deleted, and re-checks every
/// foreign key from and to the tables before it commits.
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

    private const string RelationQuery = """
        SELECT c.relkind::text, c.relispartition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """;

    private const string PartitionsQuery = """
        SELECT n.nspname, c.relname, c.relkind::text
        FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.isleaf ORDER BY 1, 2
        """;

    private const string AncestorsQuery = """
        SELECT n.nspname, c.relname, c.relkind::text
        FROM pg_partition_ancestors($1::regclass) a JOIN pg_class c ON c.oid = a.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE a.relid <> $1::regclass
        """;

    private const string ChildrenQuery = """
        WITH RECURSIVE d(relid) AS (
            SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass
            UNION SELECT i.inhrelid FROM pg_inherits i JOIN d ON i.inhparent = d.relid)
        SELECT n.nspname, c.relname, c.relkind::text FROM d JOIN pg_class c ON c.oid = d.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        ORDER BY 1, 2
        """;

    // A key that ON CONFLICT DO NOTHING can match rows on: a valid, non-partial unique index on NOT NULL columns.
    private const string HasRowKeyQuery = """
        SELECT EXISTS (
            SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attnotnull))
        """;

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
        await admin.CreateAsync(scratch, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Refuses what cannot be restored faithfully, before anything is read from the backup.</summary>
    private static void CheckRestorable(RestoreSource source, TableRestoreRequest request, Shape shape)
    {
        if (shape.Kind is not ('r' or 'p'))
        {
            throw Refused(source, $"{shape.Table.Quoted} is {KindName(shape.Kind)}, not a table; only tables and partitioned tables hold rows to restore");
        }

        if (shape.Members.FirstOrDefault(m => m.Kind != 'r') is { } foreign)
        {
            throw Refused(source, $"{foreign.Table.Quoted}, {(shape.Kind == 'p' ? "a partition" : "a child")} of {shape.Table.Quoted}, is {KindName(foreign.Kind)}, whose rows live outside this database");
        }

        if (request.Mode == TableRestoreMode.NewTable && request.IncludeChildren && shape.Kind == 'r' && shape.Members.Count > 1)
        {
            throw Refused(source, $"a new table cannot hold the rows of {shape.Table.Quoted} and of its child tables, whose columns differ; restore each child into its own new table, or drop the include-children option");
        }
    }

    /// <summary>Refuses when the tables whose rows would move are not the same in the backup and in the live database.</summary>
    private static void CheckSameShape(RestoreSource source, TableRestoreRequest request, Shape live, Shape backup)
    {
        if (live.Kind != backup.Kind)
        {
            throw Refused(source, $"{live.Table.Quoted} is {KindName(live.Kind)} in the live database but was {KindName(backup.Kind)} in backup {source.BackupId}; restore it into a new table (--mode new:NAME) and move the rows by hand");
        }

        if (request.Mode == TableRestoreMode.NewTable)
        {
            return;
        }

        var liveNames = live.Members.Select(m => m.Table).ToHashSet();
        var backupNames = backup.Members.Select(m => m.Table).ToHashSet();
        var onlyBackup = backupNames.Except(liveNames).Select(t => t.Quoted).ToList();
        var onlyLive = liveNames.Except(backupNames).Select(t => t.Quoted).ToList();
        if (onlyBackup.Count + onlyLive.Count > 0)
        {
            var what = live.Kind == 'p' ? "partitions" : "child tables";
            throw Refused(
                source,
                $"the {what} of {live.Table.Quoted} changed since backup {source.BackupId}"
                + (onlyBackup.Count > 0 ? $"; only in the backup: {string.Join(", ", onlyBackup)}" : string.Empty)
                + (onlyLive.Count > 0 ? $"; only in the live database: {string.Join(", ", onlyLive)}" : string.Empty)
                + $", so its rows cannot be put back where they were. Restore the {what} that exist in both one by one (--table), or restore into a new table (--mode new:NAME)");
        }
    }

    private static async Task<List<Move>> PrepareMovesAsync(
        NpgsqlConnection live,
        NpgsqlConnection scratch,
        RestoreSource source,
        TableRestoreRequest request,
        Shape liveShape,
        Shape backupShape,
        TableName target,
        CancellationToken cancellationToken)
    {
        var newTable = request.Mode == TableRestoreMode.NewTable;
        var moves = new List<Move>();
        var targetColumns = newTable ? await ReadColumnsAsync(live, liveShape.Table, cancellationToken).ConfigureAwait(false) : null;
        foreach (var member in backupShape.Members)
        {
            var backupColumns = await ReadColumnsAsync(scratch, member.Table, cancellationToken).ConfigureAwait(false);
            var liveColumns = targetColumns ?? await ReadColumnsAsync(live, member.Table, cancellationToken).ConfigureAwait(false);
            var columns = liveColumns.Where(c => backupColumns.Any(b => b.Name == c.Name)).ToList();
            var rowsInBackup = await CountAsync(scratch, member.Table, cancellationToken).ConfigureAwait(false);
            long? rowsInManifest = null;
            if (source.TableRowCounts.Count > 0)
            {
                if (!source.TableRowCounts.TryGetValue(member.Table.Quoted, out var counted))
                {
                    throw Refused(source, $"the manifest of backup {source.BackupId} records no rows for {member.Table.Quoted} (its data was left out of the backup, or the table was made after it), so its rows cannot be brought back");
                }

                if (counted != rowsInBackup)
                {
                    throw Refused(source, string.Create(CultureInfo.InvariantCulture, $"the dump of backup {source.BackupId} holds {rowsInBackup} rows of {member.Table.Quoted} but its manifest recorded {counted} when the backup was taken; the backup is not what its manifest says, so nothing is restored from it"));
                }

                rowsInManifest = counted;
            }

            if (columns.Count == 0)
            {
                throw Refused(source, $"{member.Table.Quoted} in the backup and {(newTable ? liveShape.Table : member.Table).Quoted} in the live database have no column in common");
            }

            if (request.Mode == TableRestoreMode.Append && !await ScalarAsync<bool>(live, HasRowKeyQuery, cancellationToken, member.Table.Quoted).ConfigureAwait(false))
            {
                throw Refused(source, $"append mode skips the backup's rows whose key is already in the table, but {member.Table.Quoted} has no primary key or unique index on NOT NULL columns, so rows cannot be matched and would be doubled; use replace mode, or restore into a new table (--mode new:NAME) and compare");
            }

            moves.Add(new Move(
                member.Table,
                newTable ? target : member.Table,
                member.Role,
                columns,
                liveColumns.Where(c => !columns.Contains(c)).Select(c => c.Name).ToList(),
                rowsInBackup,
                rowsInManifest,
                newTable ? 0 : await CountAsync(live, member.Table, cancellationToken).ConfigureAwait(false)));
        }

        return moves;
    }

    private static async Task<TableRestorePlan> PlanAsync(
        NpgsqlConnection live,
        RestoreSource source,
        TableRestoreRequest request,
        Shape liveShape,
        TableName target,
        List<Move> moves,
        CancellationToken cancellationToken)
    {
        var table = liveShape.Table;
        var rowsInBackup = moves.Sum(m => m.RowsInBackup);
        var rowsInLive = moves.Sum(m => m.RowsInLive);
        var foreignKeys = await ForeignKeyConstraint.LoadAsync(live, Involved(liveShape, moves), cancellationToken).ConfigureAwait(false);
        var affected = Involved(liveShape, moves).Concat(liveShape.Ancestors).ToHashSet();
        var referencing = foreignKeys.Where(f => affected.Contains(f.Parent)).Select(f => f.Describe()).ToList();
        var own = foreignKeys.Where(f => affected.Contains(f.Child)).Select(f => f.Describe()).ToList();
        var steps = new List<string>();
        var several = moves.Count != 1 || moves[0].Source != table;
        steps.Add(several
            ? $"Restored the definitions and the rows of {table.Quoted} from backup {source.BackupId} (SHA-256 verified) into a scratch database: {rowsInBackup} rows in {moves.Count} tables."
            : $"Restored the definitions and the {rowsInBackup} rows of {table.Quoted} from backup {source.BackupId} (SHA-256 verified) into a scratch database.");
        steps.Add(source.TableRowCounts.Count > 0
            ? "Each table's rows in the backup match the row count its manifest recorded; the transaction aborts if the rows staged for insertion differ from it."
            : $"The manifest of backup {source.BackupId} has no row counts (CountRows was off), so the rows are checked against the backup's dump only.");
        foreach (var move in moves.Where(m => m.Source != table))
        {
            steps.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{(move.Role == "partition" ? "Partition" : "Child table")} {move.Source.Quoted}: {move.RowsInBackup} rows in the backup{(move.RowsInManifest is { } m ? $" ({m} in the manifest)" : string.Empty)}, {(request.Mode == TableRestoreMode.NewTable ? "to copy" : $"{move.RowsInLive} live")}."));
        }

        if (liveShape.Kind == 'r' && !request.IncludeChildren && liveShape.Children.Count > 0)
        {
            steps.Add($"Only the rows of {table.Quoted} itself (ONLY): its {liveShape.Children.Count} child tables ({string.Join(", ", liveShape.Children.Select(c => c.Quoted))}) keep their rows; include children to restore them too.");
        }

        foreach (var move in moves.Where(m => m.MissingColumns.Count > 0))
        {
            steps.Add($"Columns of {move.Destination.Quoted} absent from the backup get their defaults: {string.Join(", ", move.MissingColumns.Select(TableName.QuoteIdentifier))}.");
        }

        var lockedTable = liveShape.Kind == 'r' && !request.IncludeChildren ? $"{table.Quoted} (ONLY)" : table.Quoted;
        switch (request.Mode)
        {
            case TableRestoreMode.Replace:
                steps.Add(several
                    ? $"In one transaction: lock {lockedTable}, then for each table above delete its live rows ({rowsInLive} in all) and insert the backup's ({rowsInBackup} in all)."
                    : $"In one transaction: lock {lockedTable}, delete its {rowsInLive} live rows and insert the {rowsInBackup} rows of the backup.");
                break;
            case TableRestoreMode.Append:
                steps.Add($"In one transaction: lock {lockedTable} against writes and insert the {rowsInBackup} rows of the backup beside its {rowsInLive} live rows, skipping rows whose primary or unique key already exists.");
                break;
            default:
                steps.Add($"In one transaction: create {target.Quoted} like {table.Quoted} (columns, defaults, checks, indexes; no foreign keys{(liveShape.Kind == 'p' ? ", no partitions" : string.Empty)}) and insert the {rowsInBackup} rows of the backup.");
                break;
        }

        if (request.Mode != TableRestoreMode.NewTable)
        {
            steps.Add("Suspend foreign-key and user triggers for the transaction (session_replication_role = replica) when permitted, so restored rows keep their values.");
            steps.Add(referencing.Count + own.Count == 0
                ? "No foreign key references the tables or is declared on them."
                : $"Before commit, re-check {referencing.Count + own.Count} foreign keys for orphaned rows; any orphan rolls everything back: {string.Join("; ", own.Concat(referencing))}.");
            steps.Add("Advance sequences owned by the tables' columns past the restored values.");
        }

        steps.Add("Commit, then drop the scratch database.");
        return new TableRestorePlan
        {
            Table = table,
            TargetTable = target,
            Mode = request.Mode,
            RowsInBackup = rowsInBackup,
            RowsInLive = rowsInLive,
            Tables = moves.Select(m => new TableRestorePlanTable { Table = m.Source, Role = m.Role, RowsInBackup = m.RowsInBackup, RowsInManifest = m.RowsInManifest, RowsInLive = m.RowsInLive }).ToList(),
            ReferencingForeignKeys = referencing,
            OwnForeignKeys = own,
            Columns = moves.SelectMany(m => m.Columns.Select(c => c.Name)).Distinct(StringComparer.Ordinal).ToList(),
            Steps = steps,
        };
    }

    private static async Task<(long Deleted, long Inserted)> ExecuteAsync(
        NpgsqlConnection live,
        NpgsqlConnection scratch,
        RestoreSource source,
        TableRestoreRequest request,
        Shape liveShape,
        TableName target,
        List<Move> moves,
        CancellationToken cancellationToken)
    {
        var table = liveShape.Table;
        await using var transaction = await live.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (request.Mode != TableRestoreMode.NewTable)
        {
            var replica = true;
            await transaction.SaveAsync("replica", cancellationToken).ConfigureAwait(false);
            try
            {
                await ExecuteAsync(live, "SET LOCAL session_replication_role = replica", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // Not a superuser: foreign-key triggers stay on and check each row as it is written.
                await transaction.RollbackAsync("replica", cancellationToken).ConfigureAwait(false);
                replica = false;
            }

            if (!replica && request.Mode == TableRestoreMode.Replace)
            {
                // With triggers on, deleting the live rows would cascade to (or null out) rows of other tables that are not put back.
                var cascading = (await ForeignKeyConstraint.LoadAsync(live, Involved(liveShape, moves), cancellationToken).ConfigureAwait(false))
                    .Where(f => f.DeleteChangesChildren && moves.Any(m => m.Destination == f.Parent || liveShape.Table == f.Parent))
                    .Select(f => f.Describe())
                    .ToList();
                if (cascading.Count > 0)
                {
                    throw Refused(source, $"replacing rows would fire ON DELETE actions that change rows of other tables ({string.Join("; ", cascading)}), and only a superuser can suspend them for the restore; run it as a superuser, or use append mode");
                }
            }

            var lockMode = request.Mode == TableRestoreMode.Replace ? "ACCESS EXCLUSIVE" : "SHARE ROW EXCLUSIVE";
            var only = liveShape.Kind == 'r' && !request.IncludeChildren ? "ONLY " : string.Empty;
            await ExecuteAsync(live, $"LOCK TABLE {only}{table.Quoted} IN {lockMode} MODE", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ExecuteAsync(
                live,
                $"CREATE TABLE {target.Quoted} (LIKE {table.Quoted} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)",
                cancellationToken).ConfigureAwait(false);
        }

        // Stage every table's rows first, and check them against the manifest before anything is deleted.
        for (var i = 0; i < moves.Count; i++)
        {
            var move = moves[i];
            var columnList = move.ColumnList;
            var staging = Staging(i);
            await ExecuteAsync(live, $"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columnList} FROM ONLY {move.Destination.Quoted} WITH NO DATA", cancellationToken).ConfigureAwait(false);
            using (var reader = await scratch.BeginTextExportAsync($"COPY (SELECT {columnList} FROM ONLY {move.Source.Quoted}) TO STDOUT", cancellationToken).ConfigureAwait(false))
            {
                await using var writer = await live.BeginTextImportAsync($"COPY pg_temp.{staging} ({columnList}) FROM STDIN", cancellationToken).ConfigureAwait(false);
                var buffer = new char[1 << 15];
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            var staged = await ScalarAsync<long>(live, $"SELECT count(*) FROM pg_temp.{staging}", cancellationToken).ConfigureAwait(false);
            if (staged != move.ExpectedRows)
            {
                throw Aborted(source, request, string.Create(CultureInfo.InvariantCulture, $"{staged} rows of {move.Source.Quoted} were staged for insertion but the backup {(move.RowsInManifest is null ? "holds" : "manifest recorded")} {move.ExpectedRows}"));
            }
        }

        long deleted = 0;
        long inserted = 0;
        for (var i = 0; i < moves.Count; i++)
        {
            var move = moves[i];
            if (request.Mode == TableRestoreMode.Replace)
            {
                deleted += await ExecuteAsync(live, $"DELETE FROM ONLY {move.Destination.Quoted}", cancellationToken).ConfigureAwait(false);
            }

            var overriding = move.Columns.Any(c => c.IsIdentityAlways) ? " OVERRIDING SYSTEM VALUE" : string.Empty;
            var onConflict = request.Mode == TableRestoreMode.Append ? " ON CONFLICT DO NOTHING" : string.Empty;
            long rows = await ExecuteAsync(
                live,
                $"INSERT INTO {move.Destination.Quoted} ({move.ColumnList}){overriding} SELECT {move.ColumnList} FROM pg_temp.{Staging(i)}{onConflict}",
                cancellationToken).ConfigureAwait(false);
            inserted += rows;
            if (request.Mode == TableRestoreMode.Replace
                && (rows != move.ExpectedRows || await CountAsync(live, move.Destination, cancellationToken).ConfigureAwait(false) != move.ExpectedRows))
            {
                // A trigger or rule that survived the replica role, or a concurrent writer, changed what was written.
                throw Aborted(source, request, string.Create(CultureInfo.InvariantCulture, $"{move.Destination.Quoted} does not hold the backup's {move.ExpectedRows} rows after the insert ({rows} inserted)"));
            }
        }

        if (request.Mode == TableRestoreMode.NewTable)
        {
            var total = moves.Sum(m => m.ExpectedRows);
            if (inserted != total)
            {
                throw Aborted(source, request, string.Create(CultureInfo.InvariantCulture, $"{inserted} rows were inserted into {target.Quoted} but the backup holds {total}"));
            }
        }
        else
        {
            var violations = new List<string>();
            foreach (var foreignKey in await ForeignKeyConstraint.LoadAsync(live, Involved(liveShape, moves), cancellationToken).ConfigureAwait(false))
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

            foreach (var (owner, column) in await OwnedSequencesAsync(live, liveShape, moves, cancellationToken).ConfigureAwait(false))
            {
                await ExecuteAsync(
                    live,
                    $"SELECT setval('{column.OwnedSequence!.Replace("'", "''", StringComparison.Ordinal)}'::regclass, m) FROM (SELECT max({TableName.QuoteIdentifier(column.Name)})::bigint AS m FROM {owner.Quoted}) t "
                    + $"WHERE m IS NOT NULL AND m > (SELECT last_value FROM {column.OwnedSequence})",
                    cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (deleted, inserted);
    }

    /// <summary>The sequences owned by columns of the restored tables or of the partitioned table they belong to.</summary>
    private static async Task<List<(TableName Owner, Column Column)>> OwnedSequencesAsync(NpgsqlConnection live, Shape shape, List<Move> moves, CancellationToken cancellationToken)
    {
        var owners = new List<TableName> { shape.Table };
        owners.AddRange(moves.Select(m => m.Destination).Where(t => t != shape.Table));
        var sequences = new List<(TableName, Column)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var owner in owners)
        {
            foreach (var column in await ReadColumnsAsync(live, owner, cancellationToken).ConfigureAwait(false))
            {
                if (column.OwnedSequence is { } sequence && seen.Add(sequence))
                {
                    sequences.Add((owner, column));
                }
            }
        }

        return sequences;
    }

    /// <summary>The live tables whose foreign keys matter: the restored table and every existing table that receives rows.</summary>
    private static List<TableName> Involved(Shape shape, List<Move> moves)
        => moves.Where(m => m.Destination == m.Source).Select(m => m.Destination).Prepend(shape.Table).Distinct().ToList();

    /// <summary>Reads a table's kind and the tables whose rows a restore of it moves: its leaf partitions, or itself and (when asked) its inheritance children.</summary>
    private static async Task<Shape?> DescribeAsync(NpgsqlConnection connection, TableName table, bool includeChildren, CancellationToken cancellationToken)
    {
        char kind;
        bool isPartition;
        await using (var command = new NpgsqlCommand(RelationQuery, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
            command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            kind = reader.GetString(0)[0];
            isPartition = reader.GetBoolean(1);
        }

        var ancestors = isPartition
            ? (await ReadMembersAsync(connection, AncestorsQuery, table, "ancestor", cancellationToken).ConfigureAwait(false)).Select(a => a.Table).ToList()
            : [];
        if (kind == 'p')
        {
            var partitions = await ReadMembersAsync(connection, PartitionsQuery, table, "partition", cancellationToken).ConfigureAwait(false);
            return new Shape(table, kind, partitions, [], ancestors);
        }

        var self = new Member(table, "table", kind);
        if (kind != 'r')
        {
            return new Shape(table, kind, [self], [], ancestors);
        }

        var children = await ReadMembersAsync(connection, ChildrenQuery, table, "child", cancellationToken).ConfigureAwait(false);
        return new Shape(table, kind, includeChildren ? [self, .. children] : [self], children.Select(c => c.Table).ToList(), ancestors);
    }

    private static async Task<List<Member>> ReadMembersAsync(NpgsqlConnection connection, string query, TableName table, string role, CancellationToken cancellationToken)
    {
        var members = new List<Member>();
        await using var command = new NpgsqlCommand(query, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(new Member(new TableName(reader.GetString(0), reader.GetString(1)), role, reader.GetString(2)[0]));
        }

        return members;
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

    private sealed record Column(string Name, bool IsIdentityAlways, string? OwnedSequence);

    private sealed record Member(TableName Table, string Role, char Kind);

    /// <summary>A table as a restore sees it: its kind, the tables whose rows move, and its inheritance children (whether they move or not).</summary>
    private sealed record Shape(TableName Table, char Kind, List<Member> Members, List<TableName> Children, List<TableName> Ancestors);

    /// <summary>The rows of one backup table going into one live table.</summary>
    private sealed record Move(TableName Source, TableName Destination, string Role, List<Column> Columns, List<string> MissingColumns, long RowsInBackup, long? RowsInManifest, long RowsInLive)
    {
        public string ColumnList => string.Join(", ", Columns.Select(c => TableName.QuoteIdentifier(c.Name)));

        public long ExpectedRows => RowsInManifest ?? RowsInBackup;
    }
}
