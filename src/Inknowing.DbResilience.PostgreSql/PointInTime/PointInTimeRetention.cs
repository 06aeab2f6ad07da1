using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Removes old base backups and the WAL only they need, together: keeps the newest restorable base backups and never removes a
/// WAL file that a kept base backup needs (nothing from the oldest kept backup's start segment on, on any timeline; history files
/// always stay). It is the base backup half of <see cref="IBackupService.PruneAsync"/> (<see cref="IBaseBackupRetention"/>): one
/// plan for both kinds, with a reason per decision.
/// </summary>
public sealed class PointInTimeRetention : IBaseBackupRetention
{
    private readonly BaseBackupService _baseBackups;
    private readonly PointInTimeRestorer _restorer;
    private readonly WalArchive _archive;

    /// <summary>Initializes a new instance of the <see cref="PointInTimeRetention"/> class.</summary>
    /// <param name="baseBackups">The base backups.</param>
    /// <param name="restorer">The restorer, for the WAL chain.</param>
    /// <param name="archive">The WAL archive.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public PointInTimeRetention(BaseBackupService baseBackups, PointInTimeRestorer restorer, WalArchive archive)
    {
        ArgumentNullException.ThrowIfNull(baseBackups);
        ArgumentNullException.ThrowIfNull(restorer);
        ArgumentNullException.ThrowIfNull(archive);
        _baseBackups = baseBackups;
        _restorer = restorer;
        _archive = archive;
    }

    /// <summary>Plans retention without removing anything (a dry run).</summary>
    /// <param name="keepBaseBackups">How many of the newest restorable base backups to keep; at least 1.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepBaseBackups"/> is less than 1.</exception>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<PointInTimeRetentionPlan> PlanAsync(int keepBaseBackups, CancellationToken cancellationToken = default)
        => (await PlanWithWindowAsync(keepBaseBackups, cancellationToken).ConfigureAwait(false)).Plan;

    /// <summary>Plans retention and carries it out: base backups first (manifest first), then the WAL no kept backup needs.</summary>
    /// <param name="keepBaseBackups">How many of the newest restorable base backups to keep; at least 1.</param>
    /// <param name="cancellationToken">Cancels the removal; what is left is still consistent (WAL goes only after its backups).</param>
    /// <returns>The plan carried out.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepBaseBackups"/> is less than 1.</exception>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<PointInTimeRetentionPlan> ApplyAsync(int keepBaseBackups, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(keepBaseBackups, cancellationToken).ConfigureAwait(false);
        var manifests = (await _baseBackups.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        foreach (var id in plan.RemovedBaseBackups)
        {
            await _baseBackups.DeleteAsync(manifests[id], cancellationToken).ConfigureAwait(false);
        }

        foreach (var key in plan.RemovedWalFiles)
        {
            await _archive.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return plan with { Applied = true };
    }

    /// <inheritdoc />
    async Task<BaseBackupRetentionPlan> IBaseBackupRetention.PlanAsync(int keepBaseBackups, CancellationToken cancellationToken)
    {
        var (plan, window) = await PlanWithWindowAsync(keepBaseBackups, cancellationToken).ConfigureAwait(false);
        return Describe(plan, window, keepBaseBackups);
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<string>> IBaseBackupRetention.DeleteWalAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var problems = new List<string>();
        foreach (var key in keys)
        {
            try
            {
                await _archive.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex)
            {
                problems.Add(ex.Message);
            }
        }

        return problems;
    }

    private async Task<(PointInTimeRetentionPlan Plan, RecoverableWindow Window)> PlanWithWindowAsync(int keepBaseBackups, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepBaseBackups, 1);
        var chain = await _restorer.AnalyzeAsync(cancellationToken).ConfigureAwait(false);
        var files = new List<WalFileName>();
        await foreach (var (file, _) in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(file);
        }

        return (Plan(chain.Window, files, keepBaseBackups), chain.Window);
    }

    /// <summary>Gives each base backup of a plan its decision and reason, and the WAL its decision: what <c>prune</c> shows.</summary>
    internal static BaseBackupRetentionPlan Describe(PointInTimeRetentionPlan plan, RecoverableWindow window, int keepBaseBackups)
    {
        var restorable = window.RestorableBaseBackups.ToHashSet(StringComparer.Ordinal);
        var oldestKept = plan.KeptBaseBackups.Count > 0 ? plan.KeptBaseBackups[0] : null;
        var newestRestorable = window.BaseBackups.Where(b => restorable.Contains(b.Id)).Select(b => b.Id).TakeLast(keepBaseBackups).ToHashSet(StringComparer.Ordinal);
        var decisions = window.BaseBackups.Select(b => new RetentionDecision
        {
            Id = b.Id,
            Kind = BackupKind.Base,
            StartedAt = b.StartedAt,
            Action = plan.RemovedBaseBackups.Contains(b.Id) ? RetentionAction.Delete : RetentionAction.Keep,
            Reason = restorable.Count == 0 ? "no base backup is restorable: every base backup and all WAL are kept"
                : plan.RemovedBaseBackups.Contains(b.Id) ? $"base backup older than the newest {keepBaseBackups} restorable ones (the oldest kept is {oldestKept})"
                : newestRestorable.Contains(b.Id) ? $"one of the newest {keepBaseBackups} restorable base backups (RetentionRules.BaseBackups)"
                : $"base backup newer than the oldest kept one ({oldestKept}){(restorable.Contains(b.Id) ? string.Empty : "; not restorable: " + string.Join(" ", window.Problems.Where(p => p.Message.Contains(b.Id, StringComparison.Ordinal)).Select(p => p.Message)))}",
        }).Reverse().ToList();
        return new BaseBackupRetentionPlan
        {
            BaseBackups = decisions,
            Wal = new WalRetentionDecision
            {
                Delete = plan.RemovedWalFiles,
                OldestNeededSegment = plan.OldestNeededSegment,
                Reason = plan.RemovedWalFiles.Count == 0 && plan.OldestNeededSegment is null ? plan.Reason : $"{plan.Reason} {plan.RemovedWalFiles.Count} older WAL file(s) are needed by no kept base backup.",
            },
        };
    }

    /// <summary>Computes the plan: a pure function of the window and the stored WAL files.</summary>
    internal static PointInTimeRetentionPlan Plan(RecoverableWindow window, IReadOnlyList<WalFileName> files, int keepBaseBackups)
    {
        var restorable = window.BaseBackups.Where(b => window.RestorableBaseBackups.Contains(b.Id)).ToList();
        if (restorable.Count == 0)
        {
            return new PointInTimeRetentionPlan
            {
                KeptBaseBackups = window.BaseBackups.Select(b => b.Id).ToList(),
                RemovedBaseBackups = [],
                RemovedWalFiles = [],
                Reason = "No base backup is restorable: keeping everything.",
            };
        }

        // window.BaseBackups is in WAL order (BaseBackupManifests.InOrder), not id order: ids of one second tie.
        var oldestKept = restorable[Math.Max(0, restorable.Count - keepBaseBackups)];
        var firstKept = window.BaseBackups.ToList().IndexOf(oldestKept);
        var kept = window.BaseBackups.Skip(firstKept).Select(b => b.Id).ToList();
        var removed = window.BaseBackups.Take(firstKept).Select(b => b.Id).ToList();
        var needed = oldestKept.StartSegment();
        var removedWal = files
            .Where(f => f.Kind != WalFileKind.History && f.Segment is { } segment && (ulong)segment.StartLsn < (ulong)needed.StartLsn)
            .Select(f => f.Key)
            .ToList();
        return new PointInTimeRetentionPlan
        {
            KeptBaseBackups = kept,
            RemovedBaseBackups = removed,
            RemovedWalFiles = removedWal,
            OldestNeededSegment = needed.ToString(),
            Reason = $"Keeping the newest {Math.Min(keepBaseBackups, restorable.Count)} restorable base backup(s) from {oldestKept.Id}, and all WAL from {needed} on.",
        };
    }
}
