using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Picks the strategy for a backup: the application's strategies first (in the order they were registered), then the
/// built-in ones (pg_restore, psql, point-in-time), so a strategy the application adds for a format wins over the built-in one
/// whatever the order of registration. A point-in-time target on a logical backup is refused before any strategy is asked.
/// </summary>
internal static class RestoreStrategySelector
{
    /// <summary>Returns the first strategy that can restore the source as requested.</summary>
    /// <exception cref="RestoreException">A point-in-time target on a logical backup, or no strategy can; nothing was changed.</exception>
    public static IRestoreStrategy Select(IEnumerable<IRestoreStrategy> strategies, RestoreSource source, RestoreRequest request, string format)
    {
        if (request.PointInTime is { } target && source.Format != RestoreSourceFormat.BaseBackup)
        {
            throw new RestoreException(
                $"Backup {source.BackupId} is a logical backup (pg_dump, {format} format): it holds the database as it was when the dump ran and cannot be rolled forward to {target}. "
                + "Restore a base backup to that point instead (leave the backup id as 'latest' to let the restore choose one; dbresilience pitr restore), or restore this backup without a point-in-time target. Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }

        var ordered = strategies.OrderBy(s => s is LogicalRestoreStrategy or PointInTime.PointInTimeRestoreStrategy ? 1 : 0).ToList();
        var fix = source.Format == RestoreSourceFormat.BaseBackup
            ? " A base backup is restored by point-in-time recovery: call EnablePointInTimeRecovery() (the CLI: dbresilience pitr restore)."
            : string.Empty;
        return ordered.FirstOrDefault(s => s.CanRestore(source, request))
            ?? throw new RestoreException(
                $"No restore strategy can restore backup {source.BackupId} ({format} format); registered: {string.Join(", ", ordered.Select(s => s.Name))}.{fix} Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
    }
}
