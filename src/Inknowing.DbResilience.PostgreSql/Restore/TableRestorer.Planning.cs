using System.Globalization;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

// Planning: the rows of each backup table checked against the manifest and paired with a live table, and the steps the plan tells the operator.
internal sealed partial class TableRestorer
{
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
                $"{(move.Role == TableRestorePlanTableRole.Partition ? "Partition" : "Child table")} {move.Source.Quoted}: {move.RowsInBackup} rows in the backup{(move.RowsInManifest is { } m ? $" ({m} in the manifest)" : string.Empty)}, {(request.Mode == TableRestoreMode.NewTable ? "to copy" : $"{move.RowsInLive} live")}."));
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

    /// <summary>The live tables whose foreign keys matter: the restored table and every existing table that receives rows.</summary>
    private static List<TableName> Involved(Shape shape, List<Move> moves)
        => moves.Where(m => m.Destination == m.Source).Select(m => m.Destination).Prepend(shape.Table).Distinct().ToList();
}
