using System.Globalization;
using System.IO.Compression;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Encryption;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// The backup pipeline: the target's output flows through SHA-256, optional gzip and AES-256-GCM into every storage at
/// once through a bounded pipe, then the manifest is written last; listing, verification and retention read storage only.
/// </summary>
internal sealed class BackupService : IBackupService
{
    internal const string Prefix = "backups";
    internal const string ManifestName = "manifest.json";
    private const int CopyBufferSize = 256 * 1024;

    private readonly IBackupTarget _target;
    private readonly IStorageSet _storage;
    private readonly BackupOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IBackupCatalog? _catalog;
    private readonly IJobLock? _jobLock;

    public BackupService(
        IBackupTarget target,
        IStorageSet storage,
        IOptions<BackupOptions> options,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<BackupService> logger,
        IBackupCatalog? catalog = null,
        IJobLock? jobLock = null)
    {
        _jobLock = jobLock;
        _target = target;
        _storage = storage;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _catalog = _options.EnableCatalog ? catalog : null;
    }

    public async Task<BackupResult> CreateAsync(BackupRequest? request = null, CancellationToken cancellationToken = default)
    {
        // One backup of a database at a time, across processes: a second one is refused (ConcurrentJobException).
        var held = _jobLock is null ? null : await _jobLock.AcquireAsync("backup", cancellationToken).ConfigureAwait(false);
        await using (held)
        {
            return await CreateHeldAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<BackupResult> CreateHeldAsync(BackupRequest? request, CancellationToken cancellationToken)
    {
        request ??= new BackupRequest();
        var o = _options;
        var tier = request.Tier ?? o.Tier;
        var format = request.Format ?? o.Format;
        var compression = request.Compression ?? (request.Format is not null && request.Format != o.Format && format == BackupFormat.Custom ? BackupCompression.None : o.Compression);
        var content = new BackupContentOptions
        {
            SchemaOnly = request.SchemaOnly ?? o.SchemaOnly,
            DataOnly = request.DataOnly ?? o.DataOnly,
            Tables = [.. request.Tables ?? (IEnumerable<string>)o.Tables],
            Schemas = [.. request.Schemas ?? (IEnumerable<string>)o.Schemas],
            ExcludeTableData = [.. request.ExcludeTableData ?? (IEnumerable<string>)o.ExcludeTableData],
            Jobs = format == BackupFormat.Directory ? request.Jobs ?? o.Jobs : 1,
            IncludeGlobals = request.IncludeGlobals ?? o.IncludeGlobals,
        };
        var problems = BackupOptionsValidator.ValidateContent(tier, format, compression, content.SchemaOnly, content.DataOnly, content.Jobs, "The backup's ").ToList();
        if (problems.Count > 0)
        {
            throw new DbResilienceConfigurationException(problems);
        }

        var key = o.Encrypt
            ? o.ResolveEncryptionKey() ?? throw new DbResilienceConfigurationException(
                $"BackupOptions.Encrypt is on but there is no key: set BackupOptions.EncryptionKey or {BackupOptions.EncryptionKeyVariable}.")
            : null;

        var startedAt = _time.GetUtcNow();
        var startTimestamp = _time.GetTimestamp();
        var id = BackupId.New(startedAt, tier);
        Log.BackupStarted(_logger, id.Value, format, tier);
        await RecordAsync(new BackupCatalogEntry { Id = id.Value, Tier = tier, Status = BackupStatus.Running, StartedAt = startedAt }, cancellationToken).ConfigureAwait(false);

        var sink = new FileSink(this, id, compression, key, request.Progress, startTimestamp);
        try
        {
            var result = await _target.BackupAsync(
                new BackupTargetRequest { Id = id, Format = format, Content = content, CountRows = o.CountRows, ArchiveCompressionLevel = o.ArchiveCompressionLevel },
                sink,
                cancellationToken).ConfigureAwait(false);
            if (sink.Files.Count == 0)
            {
                throw new BackupException(id.Value, $"{_target.Name} produced no file.", null);
            }

            var complete = _storage.Providers.Where(p => sink.Files.All(f => f.StoredIn.Contains(p))).ToList();
            var failedCopies = _storage.Providers.Except(complete)
                .Select(p => $"{p.Name}: " + string.Join("; ", sink.Files.Select(f => f.Errors.GetValueOrDefault(p)).OfType<string>()))
                .ToList();
            var manifest = new BackupManifest
            {
                Id = id.Value,
                Tier = tier,
                Format = format,
                Status = BackupStatus.Completed,
                Database = result.Database,
                ServerVersion = result.ServerVersion,
                Tool = result.Tool,
                ToolVersion = result.ToolVersion,
                StartedAt = startedAt,
                CompletedAt = _time.GetUtcNow(),
                SizeBytes = sink.Files.Sum(f => f.File!.SizeBytes),
                Sha256 = sink.Files[0].File!.Sha256,
                Compression = compression,
                Encryption = key is null ? null : new BackupEncryptionInfo(AlgorithmName, key.KeyId, o.EncryptionChunkSize),
                Locations = complete.Select(p => p.Name).ToList(),
                Files = sink.Files.Select(f => f.File!).ToList(),
                Content = content,
                Tables = result.Tables,
                RowCountSource = result.RowCountSource,
                DumpCompression = result.DumpCompression,
            };

            var written = await WriteManifestAsync(manifest, complete, failedCopies, cancellationToken).ConfigureAwait(false);
            if (written.Count == 0)
            {
                throw new BackupException(id.Value, "no storage could store the manifest: " + string.Join("; ", failedCopies), null);
            }

            foreach (var failed in _storage.Providers.Except(written))
            {
                await DeleteKeysAsync(failed, id.Value, sink.Files.Select(f => f.StoredName)).ConfigureAwait(false);
            }

            manifest = manifest with { Locations = written.Select(p => p.Name).ToList() };
            foreach (var failure in failedCopies)
            {
                Log.CopyFailed(_logger, id.Value, failure.Split(':')[0], failure);
            }

            await RecordAsync(ToCatalogEntry(manifest, null), cancellationToken).ConfigureAwait(false);
            var duration = _time.GetElapsedTime(startTimestamp);
            Log.BackupCompleted(_logger, id.Value, manifest.SizeBytes, manifest.Sha256, manifest.Locations.Count, (long)duration.TotalMilliseconds);
            return new BackupResult(manifest, duration, failedCopies);
        }
        catch (Exception ex)
        {
            Log.BackupFailed(_logger, id.Value, ex);
            foreach (var provider in _storage.Providers)
            {
                await DeleteKeysAsync(provider, id.Value, sink.Files.Select(f => f.StoredName).Append(sink.CurrentName).OfType<string>().Distinct()).ConfigureAwait(false);
            }

            await RecordAsync(
                new BackupCatalogEntry
                {
                    Id = id.Value,
                    Tier = tier,
                    Status = BackupStatus.Failed,
                    StartedAt = startedAt,
                    Notes = ex is OperationCanceledException ? "cancelled" : Truncate(ex.Message, 2000),
                },
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken = default)
        => (await ScanAsync(cancellationToken).ConfigureAwait(false))
            .Where(e => e.Manifest is not null)
            .Select(e => e.Manifest!)
            .ToList();

    public async Task<IReadOnlyList<DamagedBackup>> ListDamagedAsync(CancellationToken cancellationToken = default)
    {
        var entries = await ScanAsync(cancellationToken).ConfigureAwait(false);
        var damaged = entries.SelectMany(e => e.Damaged).ToList();

        // A folder with files but no manifest is a backup still running, one that failed or was killed, or one whose manifest
        // was deleted. It counts once a newer backup completed after it, or once it is older than any backup can take.
        var now = _time.GetUtcNow();
        var newestComplete = entries.LastOrDefault(e => e.Manifest is not null)?.Id;
        foreach (var entry in entries.Where(e => e.Manifest is null && e.Damaged.Count == 0))
        {
            var started = BackupId.TryParse(entry.Id, out var parsed) ? parsed.Timestamp : (DateTimeOffset?)null;
            if (string.CompareOrdinal(entry.Id, newestComplete) < 0 || started is null || now - started >= _options.Retention.RunningGracePeriod)
            {
                foreach (var (provider, keys) in entry.Keys)
                {
                    damaged.Add(new DamagedBackup(entry.Id, provider.Name, $"{Prefix}/{entry.Id}/{ManifestName}",
                        $"it is missing although {string.Join(", ", keys.Select(k => k[(k.LastIndexOf('/') + 1)..]))} {(keys.Count == 1 ? "is" : "are")} stored"
                        + (started is null ? string.Empty : $" (started {started:O})")
                        + ": the backup failed or was killed, or its manifest was deleted; retention removes it after RunningGracePeriod"));
                }
            }
        }

        return damaged.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<BackupManifest> GetAsync(string idOrLatest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrLatest);
        var latest = string.Equals(idOrLatest, "latest", StringComparison.OrdinalIgnoreCase);
        if (!latest && !BackupId.TryParse(idOrLatest, out _))
        {
            throw new DbResilienceConfigurationException(
                $"'{idOrLatest}' is not a backup id such as 20261121T020000Z-daily-3f9a, nor 'latest'. Run 'dbresilience backups list' to see the ids.");
        }

        var entries = await ScanAsync(cancellationToken).ConfigureAwait(false);
        var backups = entries.Where(e => e.Manifest is not null).Select(e => e.Manifest!).ToList();
        var found = latest ? (backups.Count > 0 ? backups[^1] : null) : backups.FirstOrDefault(b => b.Id == idOrLatest);

        // A backup whose every manifest is damaged is neither missing nor to be skipped: 'latest' must not quietly mean an older one.
        var damaged = entries.LastOrDefault(e => e.Manifest is null && e.Damaged.Count > 0
            && (latest ? string.CompareOrdinal(e.Id, found?.Id) > 0 : e.Id == idOrLatest));
        if (damaged is not null)
        {
            throw new BackupException(
                damaged.Id,
                $"its manifest exists but is damaged, so nothing of it can be trusted: {DescribeDamage(damaged.Damaged)}. "
                + (latest
                    ? $"It is the newest backup, so 'latest' would silently mean an older one{(found is null ? string.Empty : $" ({found.Id})")}: name the backup to use explicitly."
                    : "Use another backup (dbresilience backups list), or a copy of this one from another storage."),
                null);
        }

        return found ?? throw new BackupException(
            latest
                ? $"There is no complete backup in {DescribeStorages()}: make one with 'dbresilience backup'."
                : $"There is no complete backup {idOrLatest} in {DescribeStorages()} (a backup without a manifest is incomplete). Run 'dbresilience backups list' to see the ids.");
    }

    public async Task<Stream> OpenContentAsync(BackupManifest manifest, BackupFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(file);
        var key = FileKey(manifest.Id, file.Name);
        var errors = new List<string>();
        foreach (var provider in OrderByLocations(manifest))
        {
            // The copy's checksum record must exist and agree with the manifest before a byte of it is used.
            var problem = await StoredChecksum.CheckAsync(provider, key, file.SizeBytes, file.Sha256, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                errors.Add(problem);
                continue;
            }

            Stream raw;
            try
            {
                raw = await provider.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex)
            {
                errors.Add(ex.Message);
                continue;
            }

            return OpenContent(manifest, file, raw);
        }

        throw new BackupException(manifest.Id, $"no storage holds an intact copy of {file.Name}: " + string.Join("; ", errors), null);
    }

    public async Task<BackupVerificationResult> VerifyAsync(string idOrLatest, bool restoreTest = false, CancellationToken cancellationToken = default)
    {
        var manifest = await GetAsync(idOrLatest, cancellationToken).ConfigureAwait(false);
        var start = _time.GetTimestamp();
        var problems = new List<string>();
        var copies = new List<BackupCopyVerification>();
        var good = new List<IStorageProvider>();
        foreach (var damaged in await ListDamagedCopiesAsync(manifest.Id, cancellationToken).ConfigureAwait(false))
        {
            var problem = $"{ManifestName} is damaged: {damaged.Problem}";
            copies.Add(new BackupCopyVerification(damaged.Storage, false, problem));
            problems.Add($"copy in {damaged.Storage}: {problem}");
        }

        problems.AddRange(CheckConsistency(manifest));
        if (await CompareWithCatalogAsync(manifest, cancellationToken).ConfigureAwait(false) is { } catalogProblem)
        {
            problems.Add(catalogProblem);
        }

        foreach (var provider in _storage.Providers.Where(p => manifest.Locations.Contains(p.Name)))
        {
            var problem = await CheckCopyAsync(provider, manifest, cancellationToken).ConfigureAwait(false);
            copies.Add(new BackupCopyVerification(provider.Name, problem is null, problem));
            if (problem is null)
            {
                good.Add(provider);
            }
            else
            {
                problems.Add($"copy in {provider.Name}: {problem}");
            }
        }

        string? archiveCheck = null;
        var tablesCompared = 0;
        if (good.Count > 0)
        {
            var readable = manifest with { Locations = good.Select(p => p.Name).ToList() };
            try
            {
                var data = manifest.GetDataFile();
                await using (var content = await OpenContentAsync(readable, data, cancellationToken).ConfigureAwait(false))
                {
                    archiveCheck = await _target.CheckReadableAsync(manifest, data, content, cancellationToken).ConfigureAwait(false);
                }

                if (restoreTest)
                {
                    await using var content = await OpenContentAsync(readable, data, cancellationToken).ConfigureAwait(false);
                    var restored = await _target.RestoreTestAsync(manifest, content, cancellationToken).ConfigureAwait(false);
                    tablesCompared = CompareRowCounts(manifest, restored, problems);
                }
            }
            catch (DbResilienceException ex)
            {
                problems.Add(ex.Message);
            }
        }
        else if (copies.Count == 0)
        {
            problems.Add("no configured storage holds a copy of this backup.");
        }

        var verifiedAt = _time.GetUtcNow();
        if (problems.Count == 0)
        {
            var verified = manifest with { Status = BackupStatus.Verified, VerifiedAt = verifiedAt };
            await WriteManifestAsync(verified, good, problems, cancellationToken).ConfigureAwait(false);
            await RecordAsync(ToCatalogEntry(verified, null), cancellationToken).ConfigureAwait(false);
        }

        var result = new BackupVerificationResult
        {
            Id = manifest.Id,
            Copies = copies,
            ArchiveCheck = archiveCheck,
            RestoreTested = restoreTest && good.Count > 0,
            TablesCompared = tablesCompared,
            Problems = problems,
            VerifiedAt = verifiedAt,
            Duration = _time.GetElapsedTime(start),
        };
        Log.Verified(_logger, manifest.Id, result.Succeeded ? "passed" : string.Join(" | ", problems));
        return result;
    }

    public async Task<BackupPruneResult> PruneAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        // One retention pass at a time, across processes; a dry run deletes nothing and takes no lock.
        var held = dryRun || _jobLock is null ? null : await _jobLock.AcquireAsync("prune", cancellationToken).ConfigureAwait(false);
        await using (held)
        {
            return await PruneHeldAsync(dryRun, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<BackupPruneResult> PruneHeldAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var entries = await ScanAsync(cancellationToken).ConfigureAwait(false);
        var candidates = entries.Select(e => new RetentionCandidate(
            e.Id,
            BackupId.TryParse(e.Id, out var parsed) ? parsed.Timestamp : null,
            e.Manifest?.Tier ?? (BackupId.TryParse(e.Id, out var p) ? p.Tier : null),
            e.Unreadable ? RetentionCandidateState.Unreadable
                : e.Manifest is null ? RetentionCandidateState.NoManifest
                : e.Manifest.Status == BackupStatus.Verified ? RetentionCandidateState.Verified
                : RetentionCandidateState.Completed)).ToList();
        var plan = GfsRetentionPolicy.Plan(candidates, _time.GetUtcNow(), _options.Retention);
        var deleted = new List<string>();
        var problems = new List<string>();
        if (!dryRun)
        {
            foreach (var decision in plan.Deleted)
            {
                var entry = entries.First(e => e.Id == decision.Id);
                var failures = await DeleteBackupAsync(entry, cancellationToken).ConfigureAwait(false);
                if (failures.Count == 0)
                {
                    deleted.Add(entry.Id);
                    Log.Pruned(_logger, entry.Id, decision.Reason);
                    await RemoveFromCatalogAsync(entry.Id, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    problems.AddRange(failures);
                }
            }

            foreach (var decision in plan.Kept)
            {
                if (entries.First(e => e.Id == decision.Id).Manifest is { } manifest)
                {
                    await RecordAsync(ToCatalogEntry(manifest, decision.RetainUntil), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new BackupPruneResult(plan, dryRun, deleted, problems);
    }

    public async Task<int> RebuildCatalogAsync(CancellationToken cancellationToken = default)
    {
        if (_catalog is null)
        {
            throw new DbResilienceConfigurationException("The backup catalog is disabled or not available: set BackupOptions.EnableCatalog and use a PostgreSQL database (UsePostgreSql).");
        }

        var manifests = await ListAsync(cancellationToken).ConfigureAwait(false);
        var plan = GfsRetentionPolicy.Plan(
            manifests.Select(m => new RetentionCandidate(m.Id, m.StartedAt, m.Tier, m.Status == BackupStatus.Verified ? RetentionCandidateState.Verified : RetentionCandidateState.Completed)),
            _time.GetUtcNow(),
            _options.Retention);
        var until = plan.Decisions.ToDictionary(d => d.Id, d => d.RetainUntil, StringComparer.Ordinal);
        await _catalog.ReplaceAllAsync(manifests.Select(m => ToCatalogEntry(m, until.GetValueOrDefault(m.Id))).ToList(), cancellationToken).ConfigureAwait(false);
        return manifests.Count;
    }

    internal const string AlgorithmName = "AES-256-GCM-CHUNKED-v1";

    private static string FileKey(string id, string name) => $"{Prefix}/{id}/{name}";

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static int CompareRowCounts(BackupManifest manifest, IReadOnlyList<BackupTableRowCount> restored, List<string> problems)
    {
        var actual = restored.ToDictionary(t => (t.Schema, t.Name), t => t.Rows);
        var compared = 0;
        foreach (var table in manifest.Tables.Where(t => t.DataIncluded))
        {
            compared++;
            if (!actual.TryGetValue((table.Schema, table.Name), out var rows))
            {
                problems.Add($"restore test: table {table.Schema}.{table.Name} is missing after the restore.");
            }
            else if (rows != table.Rows)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"restore test: table {table.Schema}.{table.Name} has {rows} rows after the restore, the manifest says {table.Rows}."));
            }
        }

        return compared;
    }

    private static BackupCatalogEntry ToCatalogEntry(BackupManifest manifest, DateTimeOffset? retentionUntil) => new()
    {
        Id = manifest.Id,
        Tier = manifest.Tier,
        Status = manifest.Status,
        FilePath = FileKey(manifest.Id, manifest.GetDataFile().Name),
        SizeBytes = manifest.SizeBytes,
        Sha256 = manifest.Sha256,
        OtherLocations = manifest.Locations.Count > 1 ? string.Join(", ", manifest.Locations.Skip(1)) : null,
        StartedAt = manifest.StartedAt,
        CompletedAt = manifest.CompletedAt,
        VerifiedAt = manifest.VerifiedAt,
        RetentionUntil = retentionUntil,
        Notes = manifest.Locations.Count > 0 ? "locations: " + string.Join(", ", manifest.Locations) : null,
    };

    private HashingReadStream OpenContent(BackupManifest manifest, BackupFile file, Stream raw)
    {
        var stream = raw;
        if (manifest.Encryption is not null)
        {
            stream = new AesGcmDecryptingStream(stream, _options.ResolveDecryptionKeys(), $"Backup {manifest.Id} file {file.Name}");
        }

        if (manifest.Compression == BackupCompression.Gzip)
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        return new HashingReadStream(stream, leaveOpen: false, atEnd: hashing =>
        {
            if (hashing.BytesRead != file.ContentSizeBytes || hashing.GetSha256() != file.ContentSha256)
            {
                throw new BackupException(manifest.Id,
                    $"{file.Name} does not match its manifest after decryption and decompression (SHA-256 {hashing.GetSha256()}, expected {file.ContentSha256}): do not restore from it.", null);
            }
        });
    }

    private IEnumerable<IStorageProvider> OrderByLocations(BackupManifest manifest)
        => _storage.Providers.Where(p => manifest.Locations.Contains(p.Name))
            .Concat(_storage.Providers.Where(p => !manifest.Locations.Contains(p.Name)));

    private static async Task<string?> CheckCopyAsync(IStorageProvider provider, BackupManifest manifest, CancellationToken cancellationToken)
    {
        foreach (var file in manifest.Files)
        {
            // What the storage records (size, checksum beside the object) must agree with the manifest: a missing or stale
            // record is a problem even when the bytes are fine, since it is one of the two homes of the checksum.
            if (await StoredChecksum.CheckAsync(provider, FileKey(manifest.Id, file.Name), file.SizeBytes, file.Sha256, cancellationToken).ConfigureAwait(false) is { } recorded)
            {
                return $"{file.Name}: {recorded}.";
            }

            try
            {
                await using var raw = await provider.OpenReadAsync(FileKey(manifest.Id, file.Name), cancellationToken).ConfigureAwait(false);
                using var hashing = new HashingReadStream(raw);
                await hashing.CopyToAsync(Stream.Null, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                if (hashing.BytesRead != file.SizeBytes || hashing.GetSha256() != file.Sha256)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"{file.Name} is corrupted: {hashing.BytesRead} bytes with SHA-256 {hashing.GetSha256()}, the manifest says {file.SizeBytes} bytes with {file.Sha256}.");
                }
            }
            catch (StorageException ex)
            {
                return $"{file.Name} cannot be read: {ex.Message}";
            }
        }

        return null;
    }

    private static async Task<List<IStorageProvider>> WriteManifestAsync(BackupManifest manifest, IReadOnlyList<IStorageProvider> providers, List<string> failures, CancellationToken cancellationToken)
    {
        var written = new List<IStorageProvider>();
        var bytes = BackupManifestSerializer.Serialize(manifest);
        foreach (var provider in providers)
        {
            try
            {
                using var json = new MemoryStream(bytes, writable: false);
                await provider.WriteAsync(FileKey(manifest.Id, ManifestName), json, cancellationToken).ConfigureAwait(false);
                written.Add(provider);
            }
            catch (StorageException ex)
            {
                failures.Add($"{provider.Name}: the manifest could not be written: {ex.Message}");
            }
        }

        return written;
    }

    private static async Task<List<string>> DeleteBackupAsync(ScanEntry entry, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var (provider, keys) in entry.Keys)
        {
            // The manifest goes first: a backup interrupted half-way through deletion is then incomplete, never "complete but missing data".
            foreach (var key in keys.OrderBy(k => k.EndsWith("/" + ManifestName, StringComparison.Ordinal) ? 0 : 1))
            {
                try
                {
                    await provider.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }

        return failures;
    }

    private async Task DeleteKeysAsync(IStorageProvider provider, string id, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var key = FileKey(id, name);
            try
            {
                await provider.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageException or IOException)
            {
                Log.CleanupFailed(_logger, provider.Name, key, ex);
            }
        }
    }

    private async Task<List<ScanEntry>> ScanAsync(CancellationToken cancellationToken)
    {
        var entries = new SortedDictionary<string, ScanEntry>(StringComparer.Ordinal);
        foreach (var provider in _storage.Providers)
        {
            await foreach (var item in provider.ListAsync(Prefix + "/", cancellationToken).ConfigureAwait(false))
            {
                var rest = item.Key[(Prefix.Length + 1)..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    continue;
                }

                var id = rest[..slash];
                if (!entries.TryGetValue(id, out var entry))
                {
                    entries[id] = entry = new ScanEntry(id);
                }

                if (!entry.Keys.TryGetValue(provider, out var keys))
                {
                    entry.Keys[provider] = keys = [];
                }

                keys.Add(item.Key);
            }
        }

        foreach (var entry in entries.Values)
        {
            var manifests = new List<(IStorageProvider Provider, BackupManifest Manifest)>();
            var holders = entry.Keys.Where(k => k.Value.Contains(FileKey(entry.Id, ManifestName))).Select(k => k.Key).ToList();
            foreach (var provider in holders)
            {
                var key = FileKey(entry.Id, ManifestName);
                try
                {
                    var (bytes, _, problem) = await StoredManifest.ReadAsync(provider, key, cancellationToken).ConfigureAwait(false);
                    if (problem is not null)
                    {
                        throw new BackupException(problem);
                    }

                    var manifest = BackupManifestSerializer.Deserialize(bytes, $"{provider.Name} {key}");
                    if (manifest.Id != entry.Id)
                    {
                        throw new BackupException($"it describes backup {manifest.Id}, not {entry.Id}: it was copied or replaced");
                    }

                    manifests.Add((provider, manifest));
                }
                catch (StorageObjectNotFoundException)
                {
                    // Deleted between the listing and the read (retention running): not a backup any more.
                }
                catch (Exception ex) when (ex is StorageException or BackupException)
                {
                    Log.ManifestUnreadable(_logger, provider.Name, key, ex);
                    entry.Damaged.Add(new DamagedBackup(entry.Id, provider.Name, key, ex.Message));
                }
            }

            if (manifests.Count > 0)
            {
                var best = manifests.OrderByDescending(m => m.Manifest.VerifiedAt ?? DateTimeOffset.MinValue).First().Manifest;
                entry.Manifest = best with { Locations = manifests.Select(m => m.Provider.Name).ToList() };
            }
            else
            {
                entry.Unreadable = holders.Count > 0;
            }
        }

        return entries.Values.ToList();
    }

    private static string DescribeDamage(IEnumerable<DamagedBackup> damaged)
        => string.Join("; ", damaged.Select(d => $"{d.Storage} '{d.Key}': {d.Problem}"));

    /// <summary>Checks the fields of a manifest that repeat each other: the top-level checksum and size against the files.</summary>
    private static IEnumerable<string> CheckConsistency(BackupManifest manifest)
    {
        var data = manifest.GetDataFile();
        if (!string.Equals(manifest.Sha256, data.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"the manifest is inconsistent: its sha256 {manifest.Sha256} is not the SHA-256 of its data file {data.Name} ({data.Sha256}).";
        }

        var total = manifest.Files.Sum(f => f.SizeBytes);
        if (manifest.SizeBytes != total)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"the manifest is inconsistent: its sizeBytes {manifest.SizeBytes} is not the total of its files ({total}).");
        }
    }

    /// <summary>Compares the checksum and size recorded in the catalog when the backup was made with the manifest's.</summary>
    private async Task<string?> CompareWithCatalogAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (_catalog is null)
        {
            return null;
        }

        BackupCatalogEntry? row;
        try
        {
            row = await _catalog.FindAsync(manifest.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Best effort, like every catalog access: storage is the source of truth, the catalog a second opinion.
            Log.CatalogFailed(_logger, manifest.Id, ex);
            return null;
        }

        if (row?.Sha256 is { } recorded && !string.Equals(recorded, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return $"the catalog (backup_history) records checksum {recorded} for this backup, its manifest {manifest.Sha256}: the manifest or the catalog was changed.";
        }

        return row?.SizeBytes is { } size && size != manifest.SizeBytes
            ? string.Create(CultureInfo.InvariantCulture, $"the catalog (backup_history) records {size} bytes for this backup, its manifest {manifest.SizeBytes}: the manifest or the catalog was changed.")
            : null;
    }

    private async Task<List<DamagedBackup>> ListDamagedCopiesAsync(string id, CancellationToken cancellationToken)
        => (await ScanAsync(cancellationToken).ConfigureAwait(false)).Where(e => e.Id == id).SelectMany(e => e.Damaged).ToList();

    private string DescribeStorages() => string.Join(", ", _storage.Providers.Select(p => p.Name));

    private Task RecordAsync(BackupCatalogEntry entry, CancellationToken cancellationToken)
        => UpdateCatalogAsync(entry.Id, catalog => catalog.RecordAsync(entry, cancellationToken));

    private Task RemoveFromCatalogAsync(string id, CancellationToken cancellationToken)
        => UpdateCatalogAsync(id, catalog => catalog.RemoveAsync(id, cancellationToken));

    private async Task UpdateCatalogAsync(string id, Func<IBackupCatalog, Task> update)
    {
        if (_catalog is null)
        {
            return;
        }

        try
        {
            await update(_catalog).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CatalogFailed(_logger, id, ex);
        }
    }

    private sealed class ScanEntry(string id)
    {
        public string Id { get; } = id;

        public Dictionary<IStorageProvider, List<string>> Keys { get; } = new(ReferenceEqualityComparer.Instance);

        public BackupManifest? Manifest { get; set; }

        public bool Unreadable { get; set; }

        public List<DamagedBackup> Damaged { get; } = [];
    }

    private sealed class StoredFile(string storedName)
    {
        public string StoredName { get; } = storedName;

        public BackupFile? File { get; set; }

        public HashSet<IStorageProvider> StoredIn { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<IStorageProvider, string> Errors { get; } = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>Streams each file of the target through hashing, gzip and encryption into every storage.</summary>
    private sealed class FileSink(BackupService service, BackupId id, BackupCompression compression, BackupEncryptionKey? key, IProgress<BackupProgress>? progress, long startTimestamp)
        : IBackupFileSink
    {
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
        private long _lastReport;

        public List<StoredFile> Files { get; } = [];

        public string? CurrentName { get; private set; }

        public async Task WriteFileAsync(string fileName, string role, Stream content, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(fileName);
            ArgumentNullException.ThrowIfNull(content);
            var storedName = compression == BackupCompression.Gzip ? fileName + ".gz" : fileName;
            CurrentName = storedName;
            var time = service._time;
            using var hashing = new HashingReadStream(content, progress is null ? null : bytes =>
            {
                var now = time.GetTimestamp();
                if (time.GetElapsedTime(_lastReport, now) >= ProgressInterval)
                {
                    _lastReport = now;
                    progress.Report(new BackupProgress(id.Value, storedName, bytes, time.GetElapsedTime(startTimestamp, now)));
                }
            });
            var copies = await StreamPipe.PumpAsync(
                reader => service._storage.WriteAllAsync(FileKey(id.Value, storedName), reader, cancellationToken),
                async writer =>
                {
                    Stream top = writer;
                    AesGcmEncryptingStream? encrypting = null;
                    GZipStream? gzip = null;
                    if (key is not null)
                    {
                        top = encrypting = new AesGcmEncryptingStream(top, key, service._options.EncryptionChunkSize, leaveOpen: true);
                    }

                    if (compression == BackupCompression.Gzip)
                    {
                        top = gzip = new GZipStream(top, CompressionLevel.Fastest, leaveOpen: true);
                    }

                    await hashing.CopyToAsync(top, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                    if (gzip is not null)
                    {
                        await gzip.DisposeAsync().ConfigureAwait(false);
                    }

                    if (encrypting is not null)
                    {
                        await encrypting.CompleteAsync(cancellationToken).ConfigureAwait(false);
                        await encrypting.DisposeAsync().ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            progress?.Report(new BackupProgress(id.Value, storedName, hashing.BytesRead, time.GetElapsedTime(startTimestamp)));
            var stored = new StoredFile(storedName);
            Files.Add(stored);
            foreach (var copy in copies)
            {
                if (copy.Succeeded)
                {
                    stored.StoredIn.Add(copy.Storage);
                    stored.File ??= new BackupFile(storedName, role, copy.Result!.Size, copy.Result.Sha256, hashing.BytesRead, hashing.GetSha256());
                }
                else
                {
                    stored.Errors[copy.Storage] = copy.Error?.Message ?? "failed";
                }
            }

            if (stored.File is null)
            {
                throw new BackupException(id.Value, $"no storage could store {storedName}: " + string.Join("; ", stored.Errors.Select(e => $"{e.Key.Name}: {e.Value}")), null);
            }
        }
    }
}
