namespace Inknowing.DbResilience.Drills;

/// <summary>Runs disaster-recovery drills: restores a backup into a throwaway copy, verifies it, measures the recovery time.</summary>
public interface IDrillRunner
{
    /// <summary>
    /// Picks the backup (the newest, or the given id), fails when the newest is older than the configured age, restores it
    /// into a scratch database or throwaway cluster, verifies checksum, row counts, integrity and smoke queries, drops the copy,
    /// and reports every step.
    /// </summary>
    /// <param name="backupIdOrLatest">A backup id, or <c>latest</c>.</param>
    /// <param name="cancellationToken">Cancels the drill; the scratch copy is still dropped.</param>
    /// <returns>The report; a failed drill is reported, not thrown.</returns>
    Task<DrillReport> RunAsync(string backupIdOrLatest = "latest", CancellationToken cancellationToken = default);
}
