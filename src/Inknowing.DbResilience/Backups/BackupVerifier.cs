using System.Globalization;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Verifies one backup of either kind: every copy's files against the manifest and the checksum their storage records, the
/// manifest against itself and the catalog, the content through decryption and decompression, and (logical backups) the
/// restore tool's reading of the archive and an optional restore test. A verified backup's manifest is marked verified.
/// </summary>
internal sealed class BackupVerifier(BackupStore store, IBackupTarget target, TimeProvider time, ILogger logger)
{
    private const int CopyBufferSize = 256 * 1024;

    public async Task<BackupVerificationResult> VerifyAsync(BackupFolder folder, bool restoreTest, CancellationToken cancellationToken)
    {
        var manifest = folder.Manifest!;
        var start = time.GetTimestamp();
        var problems = new List<string>();
        var copies = new List<BackupCopyVerification>();
        var good = new List<IStorageProvider>();
        foreach (var damaged in folder.Damaged)
        {
            var problem = $"{BackupLayout.ManifestName} is damaged: {damaged.Problem}";
            copies.Add(new BackupCopyVerification { Storage = damaged.Storage, Succeeded = false, Problem = problem });
            problems.Add($"copy in {damaged.Storage}: {problem}");
        }

        problems.AddRange(CheckConsistency(manifest));
        if (await CompareWithCatalogAsync(manifest, cancellationToken).ConfigureAwait(false) is { } catalogProblem)
        {
            problems.Add(catalogProblem);
        }

        foreach (var provider in store.Storage.Providers.Where(p => manifest.Locations.Contains(p.Name)))
        {
            var problem = await CheckCopyAsync(provider, manifest, cancellationToken).ConfigureAwait(false);
            copies.Add(new BackupCopyVerification { Storage = provider.Name, Succeeded = problem is null, Problem = problem });
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
                (archiveCheck, tablesCompared) = manifest.Kind == BackupKind.Base
                    ? (await CheckBaseBackupAsync(readable, restoreTest, problems, cancellationToken).ConfigureAwait(false), 0)
                    : await CheckLogicalBackupAsync(readable, restoreTest, problems, cancellationToken).ConfigureAwait(false);
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

        var verifiedAt = time.GetUtcNow();
        if (problems.Count == 0)
        {
            var verified = manifest with { Status = BackupStatus.Verified, VerifiedAt = verifiedAt, FormatVersion = BackupManifest.CurrentFormatVersion };
            await BackupStore.WriteManifestAsync(verified, good, problems, cancellationToken).ConfigureAwait(false);
            await store.RecordAsync(BackupStore.ToCatalogEntry(verified, null), cancellationToken).ConfigureAwait(false);
        }

        var result = new BackupVerificationResult
        {
            Id = manifest.Id,
            Kind = manifest.Kind,
            Copies = copies,
            ArchiveCheck = archiveCheck,
            RestoreTested = restoreTest && good.Count > 0 && manifest.Kind == BackupKind.Logical,
            TablesCompared = tablesCompared,
            Problems = problems,
            VerifiedAt = verifiedAt,
            Duration = time.GetElapsedTime(start),
        };
        Log.Verified(logger, manifest.Id, result.Succeeded ? "passed" : string.Join(" | ", problems));
        return result;
    }

    private async Task<(string ArchiveCheck, int TablesCompared)> CheckLogicalBackupAsync(BackupManifest manifest, bool restoreTest, List<string> problems, CancellationToken cancellationToken)
    {
        var data = manifest.GetDataFile();
        string archiveCheck;
        await using (var content = await store.OpenContentAsync(manifest, data, cancellationToken).ConfigureAwait(false))
        {
            archiveCheck = await target.CheckReadableAsync(manifest, data, content, cancellationToken).ConfigureAwait(false);
        }

        if (!restoreTest)
        {
            return (archiveCheck, 0);
        }

        await using var restoring = await store.OpenContentAsync(manifest, data, cancellationToken).ConfigureAwait(false);
        var restored = await target.RestoreTestAsync(manifest, restoring, cancellationToken).ConfigureAwait(false);
        return (archiveCheck, CompareRowCounts(manifest, restored, problems));
    }

    /// <summary>
    /// A base backup's tar is read by a restore, not here: its stored bytes were checked with the copies; when the pipeline
    /// encrypted or compressed them, the content is read through decryption and checked against its own SHA-256 too.
    /// </summary>
    private async Task<string> CheckBaseBackupAsync(BackupManifest manifest, bool restoreTest, List<string> problems, CancellationToken cancellationToken)
    {
        var data = manifest.GetDataFile();
        var decoded = manifest.Encryption is not null || manifest.Compression != BackupCompression.None;
        if (decoded)
        {
            await using var content = await store.OpenContentAsync(manifest, data, cancellationToken).ConfigureAwait(false);
            await content.CopyToAsync(Stream.Null, CopyBufferSize, cancellationToken).ConfigureAwait(false);
        }

        if (restoreTest)
        {
            problems.Add($"a restore test of base backup {manifest.Id} is a point-in-time drill: run 'dbresilience drill --backup {manifest.Id}' (or 'dbresilience pitr drill').");
        }

        var wal = manifest.Wal;
        return string.Create(CultureInfo.InvariantCulture,
            $"base backup {data.Name}{(decoded ? ", content SHA-256 OK" : string.Empty)}; WAL {wal?.StartLsn} to {wal?.StopLsn} on timeline {wal?.Timeline} (a point-in-time restore also needs the archived WAL: dbresilience pitr window)");
    }

    private static async Task<string?> CheckCopyAsync(IStorageProvider provider, BackupManifest manifest, CancellationToken cancellationToken)
    {
        foreach (var file in manifest.Files)
        {
            var key = BackupStore.FileKey(manifest, file.Name);

            // What the storage records (size, checksum beside the object) must agree with the manifest: a missing or stale
            // record is a problem even when the bytes are fine, since it is one of the two homes of the checksum.
            if (await StoredChecksum.CheckAsync(provider, key, file.SizeBytes, file.Sha256, cancellationToken).ConfigureAwait(false) is { } recorded)
            {
                return $"{file.Name}: {recorded}.";
            }

            try
            {
                await using var raw = await provider.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
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

        if (manifest.Kind == BackupKind.Base && manifest.Wal is null)
        {
            yield return "the manifest is inconsistent: a base backup without its WAL range (wal.startLsn, wal.stopLsn, wal.timeline).";
        }
    }

    /// <summary>Compares the checksum and size recorded in the catalog when the backup was made with the manifest's.</summary>
    private async Task<string?> CompareWithCatalogAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (store.Catalog is null)
        {
            return null;
        }

        BackupCatalogEntry? row;
        try
        {
            row = await store.Catalog.FindAsync(manifest.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Best effort, like every catalog access: storage is the source of truth, the catalog a second opinion.
            Log.CatalogFailed(logger, manifest.Id, ex);
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
}
