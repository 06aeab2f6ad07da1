using System.Globalization;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

// The copy: one transaction that locks, stages and checks every table's rows, replaces or appends them, re-checks foreign keys and advances sequences.
internal sealed partial class TableRestorer
{
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
}
