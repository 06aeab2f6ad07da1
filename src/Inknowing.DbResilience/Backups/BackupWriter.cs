using System.IO.Compression;
using Inknowing.DbResilience.Encryption;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Writes one backup: the target's files flow through SHA-256, optional gzip and AES-256-GCM into every storage at once through a
/// bounded pipe, then the manifest is written last, only where every file is whole; the catalog mirrors each step.
/// </summary>
internal sealed class BackupWriter(BackupStore store, IBackupTarget target, TimeProvider time, ILogger logger)
{
    internal const string AlgorithmName = "AES-256-GCM-CHUNKED-v1";
    private const int CopyBufferSize = 256 * 1024;

    private BackupStore Store => store;

    private TimeProvider Time => time;

    public async Task<BackupResult> CreateAsync(BackupRequest? request, CancellationToken cancellationToken)
    {
        request ??= new BackupRequest();
        var o = store.Options;
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

        var startedAt = time.GetUtcNow();
        var startTimestamp = time.GetTimestamp();
        var id = BackupId.New(startedAt, tier);
        Log.BackupStarted(logger, id.Value, format, tier);
        await store.RecordAsync(new BackupCatalogEntry { Id = id.Value, Tier = tier, Status = BackupStatus.Running, StartedAt = startedAt }, cancellationToken).ConfigureAwait(false);

        var sink = new FileSink(this, id, compression, key, request.Progress, startTimestamp);
        try
        {
            var result = await target.BackupAsync(
                new BackupTargetRequest { Id = id, Format = format, Content = content, CountRows = o.CountRows, ArchiveCompressionLevel = o.ArchiveCompressionLevel },
                sink,
                cancellationToken).ConfigureAwait(false);
            if (sink.Files.Count == 0)
            {
                throw new BackupException(id.Value, $"{target.Name} produced no file.", null);
            }

            var providers = store.Storage.Providers;
            var complete = providers.Where(p => sink.Files.All(f => f.StoredIn.Contains(p))).ToList();
            var failedCopies = providers.Except(complete)
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
                CompletedAt = time.GetUtcNow(),
                SizeBytes = sink.Files.Sum(f => f.File!.SizeBytes),
                Sha256 = sink.Files[0].File!.Sha256,
                Compression = compression,
                Encryption = key is null ? null : new BackupEncryptionInfo { Algorithm = AlgorithmName, KeyId = key.KeyId, ChunkSize = o.EncryptionChunkSize },
                Locations = complete.Select(p => p.Name).ToList(),
                Files = sink.Files.Select(f => f.File!).ToList(),
                Content = content,
                Tables = result.Tables,
                RowCountSource = result.RowCountSource,
                DumpCompression = result.DumpCompression,
            };

            var written = await BackupStore.WriteManifestAsync(manifest, complete, failedCopies, cancellationToken).ConfigureAwait(false);
            if (written.Count == 0)
            {
                throw new BackupException(id.Value, "no storage could store the manifest: " + string.Join("; ", failedCopies), null);
            }

            foreach (var failed in providers.Except(written))
            {
                await store.DeleteKeysAsync(failed, BackupKind.Logical, id.Value, sink.Files.Select(f => f.StoredName)).ConfigureAwait(false);
            }

            manifest = manifest with { Locations = written.Select(p => p.Name).ToList() };
            foreach (var failure in failedCopies)
            {
                Log.CopyFailed(logger, id.Value, failure.Split(':')[0], failure);
            }

            await store.RecordAsync(BackupStore.ToCatalogEntry(manifest, null), cancellationToken).ConfigureAwait(false);
            var duration = time.GetElapsedTime(startTimestamp);
            Log.BackupCompleted(logger, id.Value, manifest.SizeBytes, manifest.Sha256, manifest.Locations.Count, (long)duration.TotalMilliseconds);
            return new BackupResult { Manifest = manifest, Duration = duration, FailedCopies = failedCopies };
        }
        catch (Exception ex)
        {
            Log.BackupFailed(logger, id.Value, ex);
            foreach (var provider in store.Storage.Providers)
            {
                await store.DeleteKeysAsync(provider, BackupKind.Logical, id.Value, sink.Files.Select(f => f.StoredName).Append(sink.CurrentName).OfType<string>().Distinct()).ConfigureAwait(false);
            }

            await store.RecordAsync(
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

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private sealed class StoredFile(string storedName)
    {
        public string StoredName { get; } = storedName;

        public BackupFile? File { get; set; }

        public HashSet<IStorageProvider> StoredIn { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<IStorageProvider, string> Errors { get; } = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>Streams each file of the target through hashing, gzip and encryption into every storage.</summary>
    private sealed class FileSink(BackupWriter writer, BackupId id, BackupCompression compression, BackupEncryptionKey? key, IProgress<BackupProgress>? progress, long startTimestamp)
        : IBackupFileSink
    {
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
        private long _lastReport;

        public List<StoredFile> Files { get; } = [];

        public string? CurrentName { get; private set; }

        public async Task WriteFileAsync(string fileName, BackupFileRole role, Stream content, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(fileName);
            ArgumentNullException.ThrowIfNull(content);
            var storedName = compression == BackupCompression.Gzip ? fileName + ".gz" : fileName;
            CurrentName = storedName;
            var time = writer.Time;
            using var hashing = new HashingReadStream(content, progress is null ? null : bytes =>
            {
                var now = time.GetTimestamp();
                if (time.GetElapsedTime(_lastReport, now) >= ProgressInterval)
                {
                    _lastReport = now;
                    progress.Report(new BackupProgress { BackupId = id.Value, FileName = storedName, BytesRead = bytes, Elapsed = time.GetElapsedTime(startTimestamp, now) });
                }
            });
            var copies = await StreamPipe.PumpAsync(
                async reader =>
                {
                    var results = await writer.Store.Storage.WriteAllAsync(BackupLayout.FileKey(BackupKind.Logical, id.Value, storedName), reader, cancellationToken)
                        .ConfigureAwait(false);

                    // Every copy failed: fail the pipe with the storages' own errors, so the producer (pg_dump and its
                    // compressor) stops at its next write and the backup reports why, not a bare "stopped reading".
                    if (!results.Any(r => r.Succeeded))
                    {
                        throw NoCopyStored(storedName, results.Select(r => (r.Storage, r.Error?.Message ?? "failed")), results.Select(r => r.Error).FirstOrDefault());
                    }

                    return results;
                },
                async pipe =>
                {
                    Stream top = pipe;
                    AesGcmEncryptingStream? encrypting = null;
                    GZipStream? gzip = null;
                    if (key is not null)
                    {
                        top = encrypting = new AesGcmEncryptingStream(top, key, writer.Store.Options.EncryptionChunkSize, leaveOpen: true);
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
            progress?.Report(new BackupProgress { BackupId = id.Value, FileName = storedName, BytesRead = hashing.BytesRead, Elapsed = time.GetElapsedTime(startTimestamp) });
            var stored = new StoredFile(storedName);
            Files.Add(stored);
            foreach (var copy in copies)
            {
                if (copy.Succeeded)
                {
                    stored.StoredIn.Add(copy.Storage);
                    stored.File ??= new BackupFile
                    {
                        Name = storedName,
                        Role = role,
                        SizeBytes = copy.Result!.Size,
                        Sha256 = copy.Result.Sha256,
                        ContentSizeBytes = hashing.BytesRead,
                        ContentSha256 = hashing.GetSha256(),
                    };
                }
                else
                {
                    stored.Errors[copy.Storage] = copy.Error?.Message ?? "failed";
                }
            }

            if (stored.File is null)
            {
                throw NoCopyStored(storedName, stored.Errors.Select(e => (e.Key, e.Value)), null);
            }
        }

        private BackupException NoCopyStored(string storedName, IEnumerable<(IStorageProvider Storage, string Error)> errors, Exception? first)
            => new(id.Value, $"no storage could store {storedName}: " + string.Join("; ", errors.Select(e => $"{e.Storage.Name}: {e.Error}")), first);
    }
}
