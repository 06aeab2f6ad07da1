using Inknowing.DbResilience.Retention;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Retention of both kinds as one plan with a reason per decision: grandfather-father-son rules for logical backups, the newest
/// restorable base backups and the WAL they need (<see cref="IBaseBackupRetention"/>) for base backups. Carried out in an order
/// that is safe to interrupt: each backup's manifest first, base backups before the WAL they needed.
/// </summary>
internal sealed class BackupPruner(BackupStore store, TimeProvider time, ILogger logger, IBaseBackupRetention? baseRetention)
{
    public async Task<BackupPruneResult> PruneAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var folders = await store.ScanAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var logical = folders.Where(f => f.Kind == BackupKind.Logical).ToList();
        var gfs = GfsRetentionPolicy.Plan(logical.Select(ToCandidate), now, store.Options.Retention);
        var decisions = gfs.Decisions.ToList();
        WalRetentionDecision? wal = null;
        var bases = folders.Where(f => f.Kind == BackupKind.Base).ToList();
        if (bases.Count > 0)
        {
            if (baseRetention is null)
            {
                decisions.AddRange(bases.Select(f => Keep(f,
                    "base backup: point-in-time recovery is not enabled here (EnablePointInTimeRecovery()), so which WAL it needs is unknown; kept")));
            }
            else
            {
                var plan = await baseRetention.PlanAsync(store.Options.Retention.BaseBackups, cancellationToken).ConfigureAwait(false);
                wal = plan.Wal;
                var planned = plan.BaseBackups.ToDictionary(d => d.Id, StringComparer.Ordinal);
                foreach (var folder in bases)
                {
                    decisions.Add(planned.TryGetValue(folder.Id, out var decision)
                        ? decision with { Kind = BackupKind.Base }
                        : Keep(folder, folder.Damaged.Count > 0
                            ? "base backup: its manifest cannot be read; inspect it and delete it by hand if it is not needed"
                            : "base backup without a manifest: still being written, or failed; delete it by hand if it is not needed"));
                }
            }
        }

        var result = new RetentionPlan
        {
            Now = now,
            Decisions = decisions
                .OrderByDescending(d => d.StartedAt ?? DateTimeOffset.MaxValue)
                .ThenByDescending(d => d.Id, StringComparer.Ordinal)
                .ToList(),
            Wal = wal,
        };
        if (dryRun)
        {
            return new BackupPruneResult { Plan = result, DryRun = true };
        }

        var deleted = new List<string>();
        var problems = new List<string>();
        foreach (var decision in result.Deleted)
        {
            var folder = folders.First(f => f.Id == decision.Id && f.Kind == decision.Kind);
            var failures = await BackupStore.DeleteFolderAsync(folder, cancellationToken).ConfigureAwait(false);
            if (failures.Count == 0)
            {
                deleted.Add(folder.Id);
                Log.Pruned(logger, folder.Id, decision.Reason);
                await store.RemoveFromCatalogAsync(folder.Id, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                problems.AddRange(failures);
            }
        }

        // The WAL goes only once every base backup that was to go is gone: an interrupted prune never leaves a kept backup without its WAL.
        var walDeleted = 0;
        if (wal is { Delete.Count: > 0 } && baseRetention is not null && problems.Count == 0)
        {
            var walProblems = await baseRetention.DeleteWalAsync(wal.Delete, cancellationToken).ConfigureAwait(false);
            problems.AddRange(walProblems);
            walDeleted = wal.Delete.Count - walProblems.Count;
        }

        foreach (var decision in result.Kept)
        {
            if (folders.First(f => f.Id == decision.Id && f.Kind == decision.Kind).Manifest is { } manifest)
            {
                await store.RecordAsync(BackupStore.ToCatalogEntry(manifest, decision.RetainUntil), cancellationToken).ConfigureAwait(false);
            }
        }

        return new BackupPruneResult { Plan = result, DryRun = false, Deleted = deleted, DeletedWalFiles = walDeleted, Problems = problems };
    }

    /// <summary>Rebuilds the catalog from the manifests of both kinds, with the retention dates of the logical backups' plan.</summary>
    public async Task<int> RebuildCatalogAsync(CancellationToken cancellationToken)
    {
        var catalog = store.Catalog
            ?? throw new DbResilienceConfigurationException("The backup catalog is disabled or not available: set BackupOptions.EnableCatalog and use a PostgreSQL database (UsePostgreSql).");
        var manifests = (await store.ScanAsync(cancellationToken).ConfigureAwait(false)).Where(f => f.Manifest is not null).Select(f => f.Manifest!).ToList();
        var plan = GfsRetentionPolicy.Plan(
            manifests.Where(m => m.Kind == BackupKind.Logical).Select(m => new RetentionCandidate { Id = m.Id, StartedAt = m.StartedAt, Tier = m.Tier, State = m.Status == BackupStatus.Verified ? RetentionCandidateState.Verified : RetentionCandidateState.Completed }),
            time.GetUtcNow(),
            store.Options.Retention);
        var until = plan.Decisions.ToDictionary(d => d.Id, d => d.RetainUntil, StringComparer.Ordinal);
        await catalog.ReplaceAllAsync(manifests.Select(m => BackupStore.ToCatalogEntry(m, until.GetValueOrDefault(m.Id))).ToList(), cancellationToken).ConfigureAwait(false);
        return manifests.Count;
    }

    private static RetentionCandidate ToCandidate(BackupFolder folder)
    {
        var parsed = BackupId.TryParse(folder.Id, out var id);
        return new RetentionCandidate
        {
            Id = folder.Id,
            StartedAt = parsed ? id.Timestamp : null,
            Tier = folder.Manifest?.Tier ?? (parsed ? id.Tier : null),
            State = folder.Unreadable ? RetentionCandidateState.Unreadable
                : folder.Manifest is null ? RetentionCandidateState.NoManifest
                : folder.Manifest.Status == BackupStatus.Verified ? RetentionCandidateState.Verified
                : RetentionCandidateState.Completed,
        };
    }

    private static RetentionDecision Keep(BackupFolder folder, string reason) => new()
    {
        Id = folder.Id,
        Kind = folder.Kind,
        StartedAt = folder.Manifest?.StartedAt ?? (BackupId.TryParse(folder.Id, out var id) ? id.Timestamp : null),
        Action = RetentionAction.Keep,
        Reason = reason,
    };
}
