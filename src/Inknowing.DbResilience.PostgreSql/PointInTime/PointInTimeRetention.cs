using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Removes old base backups and the WAL only they need, together: keeps the newest restorable base backups and never removes a
/// WAL file that a kept base backup needs (nothing from the oldest kept backup's start segment on, on any timeline; history files
/// always stay).
/// </summary>
public sealed class PointInTimeRetention
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
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepBaseBackups, 1);
        var chain = await _restorer.AnalyzeAsync(cancellationToken).ConfigureAwait(false);
        var files = new List<WalFileName>();
        await foreach (var (file, _) in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(file);
        }

        return Plan(chain.Window, files, keepBaseBackups);
    }

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

        // window.BaseBackups is in WAL order (BaseBackupManifest.InOrder), not id order: ids of one second tie.
        var oldestKept = restorable[Math.Max(0, restorable.Count - keepBaseBackups)];
        var firstKept = window.BaseBackups.ToList().IndexOf(oldestKept);
        var kept = window.BaseBackups.Skip(firstKept).Select(b => b.Id).ToList();
        var removed = window.BaseBackups.Take(firstKept).Select(b => b.Id).ToList();
        var needed = oldestKept.StartSegment;
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
