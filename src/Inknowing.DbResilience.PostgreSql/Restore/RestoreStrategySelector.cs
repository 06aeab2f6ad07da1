using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Picks the strategy for a backup: the application's strategies first (in the order they were registered), then the
/// built-in ones (pg_restore, psql), so a strategy the application adds for a format wins over the built-in one whatever
/// the order of registration.
/// </summary>
internal static class RestoreStrategySelector
{
    /// <summary>Returns the first strategy that can restore the source as requested.</summary>
    /// <exception cref="RestoreException">No strategy can; nothing was changed.</exception>
    public static IRestoreStrategy Select(IEnumerable<IRestoreStrategy> strategies, RestoreSource source, RestoreRequest request, string format)
    {
        var ordered = strategies.OrderBy(s => s is LogicalRestoreStrategy ? 1 : 0).ToList();
        return ordered.FirstOrDefault(s => s.CanRestore(source, request))
            ?? throw new RestoreException(
                $"No restore strategy can restore backup {source.BackupId} ({format} format); registered: {string.Join(", ", ordered.Select(s => s.Name))}. Nothing was changed.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
    }
}
