using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Retention;

/// <summary>
/// Decides which base backups to keep and which archived WAL no kept base backup needs: the part of retention that knows the
/// WAL. <see cref="IBackupService.PruneAsync"/> asks it for its plan and carries it out with the logical backups' (base backups
/// first, manifest first, then the WAL). The PostgreSQL package registers one with point-in-time recovery.
/// </summary>
public interface IBaseBackupRetention
{
    /// <summary>Plans the retention of base backups and the WAL, reading storage only.</summary>
    /// <param name="keepBaseBackups">How many of the newest restorable base backups to keep; at least 1.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>A decision with its reason per base backup, and the WAL decision.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepBaseBackups"/> is less than 1.</exception>
    /// <exception cref="DbResilienceException">A storage could not be listed.</exception>
    Task<BaseBackupRetentionPlan> PlanAsync(int keepBaseBackups, CancellationToken cancellationToken = default);

    /// <summary>Deletes archived WAL files, once the base backups that needed them are gone.</summary>
    /// <param name="keys">The storage keys, from <see cref="WalRetentionDecision.Delete"/>.</param>
    /// <param name="cancellationToken">Cancels the deletion; what is deleted stays deleted.</param>
    /// <returns>The deletions that failed, each naming the storage and key; empty when none did.</returns>
    Task<IReadOnlyList<string>> DeleteWalAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);
}
