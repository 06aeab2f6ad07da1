using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

// The refusals made before any row moves: what cannot be restored faithfully, and shapes that changed since the backup.
internal sealed partial class TableRestorer
{
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
}
