using System.IO.Compression;
using Inknowing.DbResilience.Encryption;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// The read side of the backups in storage, both kinds: lists folders and reads manifests (each through
/// <see cref="StoredManifest"/>), finds one backup by reading its manifest directly, opens a backup's content, writes and deletes
/// manifests and files, and mirrors what happened into the catalog (best effort). The writer, verifier and pruner share it.
/// </summary>
internal sealed class BackupStore(IStorageSet storage, BackupOptions options, IBackupCatalog? catalog, ILogger logger)
{
    /// <summary>The kinds, in the order listings show them.</summary>
    private static readonly BackupKind[] Kinds = [BackupKind.Logical, BackupKind.Base];

    public IStorageSet Storage => storage;

    public BackupOptions Options => options;

    public IBackupCatalog? Catalog => catalog;

    public static string FileKey(BackupManifest manifest, string name) => BackupLayout.FileKey(manifest.Kind, manifest.Id, name);

    /// <summary>Lists every folder of both kinds in every storage and reads every manifest (listings, verification, retention).</summary>
    /// <exception cref="StorageException">A storage could not be listed.</exception>
    public async Task<List<BackupFolder>> ScanAsync(CancellationToken cancellationToken)
    {
        var folders = new SortedDictionary<(string Id, BackupKind Kind), BackupFolder>();
        foreach (var kind in Kinds)
        {
            await ListFoldersAsync(kind, folders, cancellationToken).ConfigureAwait(false);
        }

        foreach (var folder in folders.Values)
        {
            var holders = folder.Keys.Where(k => k.Value.Contains(BackupLayout.ManifestKey(folder.Kind, folder.Id))).Select(k => k.Key).ToList();
            await ReadManifestsAsync(folder, holders, cancellationToken).ConfigureAwait(false);
        }

        return folders.Values.OrderBy(f => f.Id, StringComparer.Ordinal).ThenBy(f => f.Kind).ToList();
    }

    /// <summary>
    /// Finds one backup by reading its manifest in each storage directly (no listing): the intact copies, and the damaged ones.
    /// The id's tier says where to look first (<c>base</c>: base backups); the other kind's folder is tried when nothing is there.
    /// </summary>
    public async Task<BackupFolder> FindAsync(BackupId id, CancellationToken cancellationToken)
    {
        var first = BackupLayout.KindOf(id);
        BackupFolder? found = null;
        foreach (var kind in new[] { first, first == BackupKind.Base ? BackupKind.Logical : BackupKind.Base })
        {
            found = new BackupFolder(id.Value, kind);
            var holders = new List<IStorageProvider>();
            foreach (var provider in storage.Providers)
            {
                if (await provider.GetInfoAsync(BackupLayout.ManifestKey(kind, id.Value), cancellationToken).ConfigureAwait(false) is not null)
                {
                    holders.Add(provider);
                }
            }

            await ReadManifestsAsync(found, holders, cancellationToken).ConfigureAwait(false);
            if (found.Manifest is not null || found.Damaged.Count > 0)
            {
                return found;
            }
        }

        return found!;
    }

    /// <summary>
    /// Finds the newest logical backup from one listing of the logical folders per storage: manifests are read newest first, and
    /// only until one is intact. A newest backup whose every manifest is damaged is returned as such (never skipped for an older one).
    /// </summary>
    public async Task<BackupFolder?> FindLatestAsync(CancellationToken cancellationToken)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        var prefix = BackupLayout.Prefix(BackupKind.Logical) + "/";
        foreach (var provider in storage.Providers)
        {
            await foreach (var item in provider.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                var rest = item.Key[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && string.Equals(rest[(slash + 1)..], BackupLayout.ManifestName, StringComparison.Ordinal) && BackupId.TryParse(rest[..slash], out _))
                {
                    ids.Add(rest[..slash]);
                }
            }
        }

        foreach (var id in ids.Reverse())
        {
            var folder = await FindAsync(BackupId.Parse(id), cancellationToken).ConfigureAwait(false);
            if (folder.Manifest is not null || folder.Damaged.Count > 0)
            {
                return folder;
            }
        }

        return null;
    }

    /// <summary>Opens a file of a backup: the first storage whose checksum record agrees with the manifest, decrypted and decompressed, hashed as read.</summary>
    /// <exception cref="BackupException">No storage holds an intact copy.</exception>
    public async Task<Stream> OpenContentAsync(BackupManifest manifest, BackupFile file, CancellationToken cancellationToken)
    {
        var key = FileKey(manifest, file.Name);
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

    /// <summary>Writes the manifest to each storage given; returns those that stored it and adds the failures.</summary>
    public static async Task<List<IStorageProvider>> WriteManifestAsync(BackupManifest manifest, IReadOnlyList<IStorageProvider> providers, List<string> failures, CancellationToken cancellationToken)
    {
        var written = new List<IStorageProvider>();
        var bytes = BackupManifestSerializer.Serialize(manifest);
        foreach (var provider in providers)
        {
            try
            {
                using var json = new MemoryStream(bytes, writable: false);
                await provider.WriteAsync(FileKey(manifest, BackupLayout.ManifestName), json, cancellationToken).ConfigureAwait(false);
                written.Add(provider);
            }
            catch (StorageException ex)
            {
                failures.Add($"{provider.Name}: the manifest could not be written: {ex.Message}");
            }
        }

        return written;
    }

    /// <summary>Deletes every key of a folder, the manifest first: a backup interrupted half-way through deletion is then incomplete, never "complete but missing data".</summary>
    public static async Task<List<string>> DeleteFolderAsync(BackupFolder folder, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var (provider, keys) in folder.Keys)
        {
            foreach (var key in keys.OrderBy(k => k.EndsWith("/" + BackupLayout.ManifestName, StringComparison.Ordinal) ? 0 : 1))
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

    /// <summary>Deletes files of a backup being written, best effort (a failed or partly stored backup).</summary>
    public async Task DeleteKeysAsync(IStorageProvider provider, BackupKind kind, string id, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var key = BackupLayout.FileKey(kind, id, name);
            try
            {
                await provider.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageException or IOException)
            {
                Log.CleanupFailed(logger, provider.Name, key, ex);
            }
        }
    }

    public string DescribeStorages() => string.Join(", ", storage.Providers.Select(p => p.Name));

    public Task RecordAsync(BackupCatalogEntry entry, CancellationToken cancellationToken)
        => UpdateCatalogAsync(entry.Id, c => c.RecordAsync(entry, cancellationToken));

    public Task RemoveFromCatalogAsync(string id, CancellationToken cancellationToken)
        => UpdateCatalogAsync(id, c => c.RemoveAsync(id, cancellationToken));

    public static BackupCatalogEntry ToCatalogEntry(BackupManifest manifest, DateTimeOffset? retentionUntil) => new()
    {
        Id = manifest.Id,
        Tier = manifest.Tier,
        Status = manifest.Status,
        FilePath = FileKey(manifest, manifest.GetDataFile().Name),
        SizeBytes = manifest.SizeBytes,
        Sha256 = manifest.Sha256,
        OtherLocations = manifest.Locations.Count > 1 ? string.Join(", ", manifest.Locations.Skip(1)) : null,
        StartedAt = manifest.StartedAt,
        CompletedAt = manifest.CompletedAt,
        VerifiedAt = manifest.VerifiedAt,
        RetentionUntil = retentionUntil,
        Notes = manifest.Locations.Count > 0 ? "locations: " + string.Join(", ", manifest.Locations) : null,
    };

    private async Task ListFoldersAsync(BackupKind kind, SortedDictionary<(string Id, BackupKind Kind), BackupFolder> folders, CancellationToken cancellationToken)
    {
        var prefix = BackupLayout.Prefix(kind) + "/";
        foreach (var provider in storage.Providers)
        {
            await foreach (var item in provider.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                var rest = item.Key[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    continue;
                }

                var id = rest[..slash];
                if (!folders.TryGetValue((id, kind), out var folder))
                {
                    folders[(id, kind)] = folder = new BackupFolder(id, kind);
                }

                if (!folder.Keys.TryGetValue(provider, out var keys))
                {
                    folder.Keys[provider] = keys = [];
                }

                keys.Add(item.Key);
            }
        }
    }

    private async Task ReadManifestsAsync(BackupFolder folder, List<IStorageProvider> holders, CancellationToken cancellationToken)
    {
        var manifests = new List<(IStorageProvider Provider, BackupManifest Manifest)>();
        var key = BackupLayout.ManifestKey(folder.Kind, folder.Id);
        foreach (var provider in holders)
        {
            try
            {
                var (bytes, _, problem) = await StoredManifest.ReadAsync(provider, key, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    throw new BackupException(problem);
                }

                var manifest = BackupManifestSerializer.Deserialize(bytes, $"{provider.Name} {key}");
                if (manifest.Id != folder.Id || manifest.Kind != folder.Kind)
                {
                    throw new BackupException($"it describes {(manifest.Kind == BackupKind.Base ? "base backup" : "backup")} {manifest.Id}, not {folder.Id}: it was copied or replaced");
                }

                manifests.Add((provider, manifest));
            }
            catch (StorageObjectNotFoundException)
            {
                // Deleted between the listing and the read (retention running): not a backup any more.
            }
            catch (Exception ex) when (ex is StorageException or BackupException)
            {
                Log.ManifestUnreadable(logger, provider.Name, key, ex);
                folder.Damaged.Add(new DamagedBackup { Id = folder.Id, Kind = folder.Kind, Storage = provider.Name, Key = key, Problem = ex.Message });
            }
        }

        if (manifests.Count > 0)
        {
            var best = manifests.OrderByDescending(m => m.Manifest.VerifiedAt ?? DateTimeOffset.MinValue).First().Manifest;
            folder.Manifest = best with { Locations = manifests.Select(m => m.Provider.Name).ToList() };
        }
        else
        {
            folder.Unreadable = holders.Count > 0 && folder.Damaged.Count > 0;
        }
    }

    private async Task UpdateCatalogAsync(string id, Func<IBackupCatalog, Task> update)
    {
        if (catalog is null)
        {
            return;
        }

        try
        {
            await update(catalog).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CatalogFailed(logger, id, ex);
        }
    }

    private HashingReadStream OpenContent(BackupManifest manifest, BackupFile file, Stream raw)
    {
        var stream = raw;
        if (manifest.Encryption is not null)
        {
            stream = new AesGcmDecryptingStream(stream, options.ResolveDecryptionKeys(), $"Backup {manifest.Id} file {file.Name}");
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
        => storage.Providers.Where(p => manifest.Locations.Contains(p.Name))
            .Concat(storage.Providers.Where(p => !manifest.Locations.Contains(p.Name)));
}
