using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// The backups of both kinds behind one service: <see cref="BackupWriter"/> writes logical backups, <see cref="BackupStore"/>
/// lists and reads both kinds (a backup by id from its manifest directly), <see cref="BackupVerifier"/> verifies either kind,
/// <see cref="BackupPruner"/> applies one retention plan to both. Backups and prunes each take their job lock first.
/// </summary>
internal sealed class BackupService : IBackupService
{
    private readonly BackupStore _store;
    private readonly BackupWriter _writer;
    private readonly BackupVerifier _verifier;
    private readonly BackupPruner _pruner;
    private readonly BackupOptions _options;
    private readonly TimeProvider _time;
    private readonly IJobLock? _jobLock;

    public BackupService(
        IBackupTarget target,
        IStorageSet storage,
        IOptions<BackupOptions> options,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<BackupService> logger,
        IBackupCatalog? catalog = null,
        IJobLock? jobLock = null,
        IBaseBackupRetention? baseRetention = null)
    {
        _options = options.Value;
        _time = time;
        _jobLock = jobLock;
        _store = new BackupStore(storage, _options, _options.EnableCatalog ? catalog : null, logger);
        _writer = new BackupWriter(_store, target, time, logger);
        _verifier = new BackupVerifier(_store, target, time, logger);
        _pruner = new BackupPruner(_store, time, logger, baseRetention);
    }

    public async Task<BackupResult> CreateAsync(BackupRequest? request = null, CancellationToken cancellationToken = default)
    {
        // One backup of a database at a time, across processes: a second one is refused (ConcurrentJobException).
        var held = _jobLock is null ? null : await _jobLock.AcquireAsync("backup", cancellationToken).ConfigureAwait(false);
        await using (held)
        {
            return await _writer.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken = default)
        => (await _store.ScanAsync(cancellationToken).ConfigureAwait(false))
            .Where(f => f.Manifest is not null)
            .Select(f => f.Manifest!)
            .OrderBy(m => m.StartedAt) // ids carry the second only: two backups of one second would sort by their random suffix
            .ThenBy(m => m.Id, StringComparer.Ordinal)
            .ToList();

    public async Task<IReadOnlyList<DamagedBackup>> ListDamagedAsync(CancellationToken cancellationToken = default)
    {
        var folders = await _store.ScanAsync(cancellationToken).ConfigureAwait(false);
        var damaged = folders.SelectMany(f => f.Damaged).ToList();

        // A folder with files but no manifest is a backup still running, one that failed or was killed, or one whose manifest
        // was deleted. It counts once a newer backup of its kind completed after it, or once it is older than any backup can take.
        var now = _time.GetUtcNow();
        foreach (var kind in new[] { BackupKind.Logical, BackupKind.Base })
        {
            var newestComplete = folders.LastOrDefault(f => f.Kind == kind && f.Manifest is not null)?.Id;
            foreach (var folder in folders.Where(f => f.Kind == kind && f.Manifest is null && f.Damaged.Count == 0))
            {
                var started = BackupId.TryParse(folder.Id, out var parsed) ? parsed.Timestamp : (DateTimeOffset?)null;
                if (string.CompareOrdinal(folder.Id, newestComplete) < 0 || started is null || now - started >= _options.Retention.RunningGracePeriod)
                {
                    foreach (var (provider, keys) in folder.Keys)
                    {
                        damaged.Add(new DamagedBackup
                        {
                            Id = folder.Id,
                            Kind = kind,
                            Storage = provider.Name,
                            Key = BackupLayout.ManifestKey(kind, folder.Id),
                            Problem = $"it is missing although {string.Join(", ", keys.Select(k => k[(k.LastIndexOf('/') + 1)..]))} {(keys.Count == 1 ? "is" : "are")} stored"
                                + (started is null ? string.Empty : $" (started {started:O})")
                                + ": the backup failed or was killed, or its manifest was deleted; retention removes it after RunningGracePeriod",
                        });
                    }
                }
            }
        }

        return damaged.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<BackupManifest> GetAsync(string idOrLatest, CancellationToken cancellationToken = default)
        => (await FindAsync(idOrLatest, cancellationToken).ConfigureAwait(false)).Manifest!;

    public Task<Stream> OpenContentAsync(BackupManifest manifest, BackupFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(file);
        return _store.OpenContentAsync(manifest, file, cancellationToken);
    }

    public async Task<BackupVerificationResult> VerifyAsync(string idOrLatest, bool restoreTest = false, CancellationToken cancellationToken = default)
        => await _verifier.VerifyAsync(await FindAsync(idOrLatest, cancellationToken).ConfigureAwait(false), restoreTest, cancellationToken).ConfigureAwait(false);

    public async Task<BackupPruneResult> PruneAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        // One retention pass at a time, across processes; a dry run deletes nothing and takes no lock.
        var held = dryRun || _jobLock is null ? null : await _jobLock.AcquireAsync("prune", cancellationToken).ConfigureAwait(false);
        await using (held)
        {
            return await _pruner.PruneAsync(dryRun, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<int> RebuildCatalogAsync(CancellationToken cancellationToken = default) => _pruner.RebuildCatalogAsync(cancellationToken);

    /// <summary>
    /// Finds a backup with at least one intact manifest: by id, from its manifest directly; <c>latest</c>, the newest logical backup
    /// from one listing. A backup whose every manifest is damaged is neither missing nor skipped: the message names the damage.
    /// </summary>
    private async Task<BackupFolder> FindAsync(string idOrLatest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idOrLatest);
        var latest = string.Equals(idOrLatest, "latest", StringComparison.OrdinalIgnoreCase);
        if (!latest && !BackupId.TryParse(idOrLatest, out _))
        {
            throw new DbResilienceConfigurationException(
                $"'{idOrLatest}' is not a backup id such as 20261121T020000Z-daily-3f9a, nor 'latest'. Run 'dbresilience backups list' to see the ids.");
        }

        var folder = latest
            ? await _store.FindLatestAsync(cancellationToken).ConfigureAwait(false)
            : await _store.FindAsync(BackupId.Parse(idOrLatest), cancellationToken).ConfigureAwait(false);
        if (folder is { Manifest: null, Damaged.Count: > 0 })
        {
            throw new BackupException(
                folder.Id,
                $"its manifest exists but is damaged, so nothing of it can be trusted: {string.Join("; ", folder.Damaged.Select(d => $"{d.Storage} '{d.Key}': {d.Problem}"))}. "
                + (latest
                    ? "It is the newest backup, so 'latest' would silently mean an older one: name the backup to use explicitly."
                    : "Use another backup (dbresilience backups list), or a copy of this one from another storage."),
                null);
        }

        return folder is { Manifest: not null }
            ? folder
            : throw new BackupException(
                latest
                    ? $"There is no complete backup in {_store.DescribeStorages()}: make one with 'dbresilience backup'."
                    : $"There is no complete backup {idOrLatest} in {_store.DescribeStorages()} (a backup without a manifest is incomplete). Run 'dbresilience backups list' to see the ids.");
    }
}
