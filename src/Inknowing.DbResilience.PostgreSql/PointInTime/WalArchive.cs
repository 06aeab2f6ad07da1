using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Stores WAL files in every configured storage under <c>wal/&lt;timeline&gt;/&lt;name&gt;</c> and serves them back:
/// the library side of <c>archive_command</c> (<c>dbresilience wal-push %p</c>) and <c>restore_command</c>
/// (<c>dbresilience wal-fetch %f %p</c>).
/// </summary>
public sealed class WalArchive
{
    private readonly IStorageSet _storages;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="WalArchive"/> class.</summary>
    /// <param name="storages">The storages to write to and read from.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="storages"/> is <see langword="null"/>.</exception>
    public WalArchive(IStorageSet storages, [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<WalArchive>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(storages);
        _storages = storages;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Stores one WAL file (segment, partial segment, timeline or backup history file) in every storage, checksummed.
    /// Pushing the same bytes again does nothing and succeeds; a stored copy with different bytes is never overwritten
    /// (except a <c>.partial</c> segment, which grows).
    /// </summary>
    /// <param name="path">The file, as PostgreSQL passes it in <c>%p</c>.</param>
    /// <param name="cancellationToken">Cancels the push; PostgreSQL then retries the file later.</param>
    /// <returns>What was stored.</returns>
    /// <exception cref="ArgumentException">The file name is not one PostgreSQL archives.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WalArchiveConflictException">A storage already holds different bytes under that name.</exception>
    /// <exception cref="StorageException">A storage failed; the file is not safely stored everywhere.</exception>
    public async Task<WalPushResult> PushAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = WalFileName.Parse(Path.GetFileName(path));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The WAL file '{path}' does not exist.", path);
        }

        var (size, sha256) = await HashFileAsync(path, cancellationToken).ConfigureAwait(false);
        if (file.Kind != WalFileKind.Partial)
        {
            var same = 0;
            foreach (var storage in _storages.Providers)
            {
                var stored = await GetStoredHashAsync(storage, file.Key, cancellationToken).ConfigureAwait(false);
                if (stored is null)
                {
                    continue;
                }

                if (!string.Equals(stored, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new WalArchiveConflictException(
                        $"The WAL file {file.Name} is already stored in {storage.Name} under '{file.Key}' with different bytes "
                        + $"(stored SHA-256 {stored}, this file {sha256}). Nothing was overwritten. Two clusters may be archiving into the same "
                        + "storage: give each its own storage prefix, or check the stored copy for corruption.");
                }

                same++;
            }

            if (same == _storages.Providers.Count)
            {
                Log.WalAlreadyStored(_logger, file.Name);
                return new WalPushResult(file.Name, file.Key, size, sha256, AlreadyStored: true, same);
            }
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var copies = await _storages.WriteAllAsync(file.Key, stream, cancellationToken).ConfigureAwait(false);
            var failed = copies.Where(c => !c.Succeeded).ToList();
            if (failed.Count > 0)
            {
                throw new StorageException(
                    $"The WAL file {file.Name} could not be stored in {string.Join(", ", failed.Select(f => f.Storage.Name))}: "
                    + string.Join("; ", failed.Select(f => f.Error?.Message)) + " PostgreSQL keeps the file and retries.",
                    failed[0].Error);
            }

            var mismatch = copies.FirstOrDefault(c => !string.Equals(c.Result!.Sha256, sha256, StringComparison.OrdinalIgnoreCase));
            if (mismatch is not null)
            {
                throw new StorageException(
                    $"The WAL file {file.Name} changed while it was stored in {mismatch.Storage.Name} (SHA-256 {mismatch.Result!.Sha256}, expected {sha256}). "
                    + "PostgreSQL retries the file.");
            }

            Log.WalPushed(_logger, file.Name, size, copies.Count);
            return new WalPushResult(file.Name, file.Key, size, sha256, AlreadyStored: false, copies.Count);
        }
    }

    /// <summary>
    /// Fetches one archived WAL file into a path, as <c>restore_command</c> does, checking its SHA-256. A segment whose complete
    /// copy is missing is served from its <c>.partial</c> copy (the last segment the streaming receiver was writing).
    /// </summary>
    /// <param name="name">The file name PostgreSQL asks for (<c>%f</c>).</param>
    /// <param name="destinationPath">Where to write it (<c>%p</c>); written under a temporary name, then renamed.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns><see langword="true"/> when the file was fetched; <see langword="false"/> when no storage has it.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a WAL file name.</exception>
    /// <exception cref="PointInTimeException">Every stored copy is corrupt.</exception>
    public async Task<bool> FetchAsync(string name, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var file = WalFileName.Parse(name);
        var candidates = new List<string> { file.Key };
        if (file.Kind == WalFileKind.Segment)
        {
            candidates.Add(file.Key + ".partial");
        }

        var problems = new List<string>();
        foreach (var key in candidates)
        {
            foreach (var storage in _storages.Providers)
            {
                var info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
                if (info is null)
                {
                    continue;
                }

                var problem = await TryDownloadAsync(storage, info, destinationPath, cancellationToken).ConfigureAwait(false);
                if (problem is null)
                {
                    Log.WalFetched(_logger, file.Name, storage.Name);
                    return true;
                }

                problems.Add(problem);
            }
        }

        if (problems.Count > 0)
        {
            throw new PointInTimeException($"Every stored copy of the WAL file {file.Name} is corrupt: {string.Join("; ", problems)}");
        }

        Log.WalMissing(_logger, file.Name);
        return false;
    }

    /// <summary>
    /// Stores bytes the streaming receiver holds: a complete segment or a timeline history file (kept as it is when a copy is
    /// already stored, since the archive_command may have stored it first) or the prefix of the segment being written as <c>.partial</c>.
    /// </summary>
    /// <returns><see langword="true"/> when stored (or already stored).</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    internal async Task StoreAsync(WalFileName file, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (file.Kind is WalFileKind.Segment or WalFileKind.History)
        {
            var missing = 0;
            foreach (var storage in _storages.Providers)
            {
                if (await storage.GetInfoAsync(file.Key, cancellationToken).ConfigureAwait(false) is null)
                {
                    missing++;
                }
            }

            if (missing == 0)
            {
                Log.WalAlreadyStored(_logger, file.Name);
                return;
            }
        }

        using var content = new MemoryStream(bytes.ToArray(), writable: false);
        var copies = await _storages.WriteAllAsync(file.Key, content, cancellationToken).ConfigureAwait(false);
        var failed = copies.Where(c => !c.Succeeded).ToList();
        if (failed.Count > 0)
        {
            throw new StorageException(
                $"The streamed WAL {file.Name} could not be stored in {string.Join(", ", failed.Select(f => f.Storage.Name))}: "
                + string.Join("; ", failed.Select(f => f.Error?.Message)),
                failed[0].Error);
        }
    }

    /// <summary>Deletes a stored object from every storage (the <c>.partial</c> of a segment once it is complete).</summary>
    internal async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        foreach (var storage in _storages.Providers)
        {
            await storage.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lists the archived WAL files of the primary storage (the first that answers), in key order.</summary>
    internal async IAsyncEnumerable<(WalFileName File, StorageObjectInfo Info)> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var storage in _storages.Providers.Take(1))
        {
            await foreach (var info in storage.ListAsync(WalFileName.Prefix, cancellationToken).ConfigureAwait(false))
            {
                var file = WalFileName.TryParse(info.Key[(info.Key.LastIndexOf('/') + 1)..]);
                if (file is not null && string.Equals(file.Key, info.Key, StringComparison.Ordinal))
                {
                    yield return (file, info);
                }
            }
        }
    }

    /// <summary>Gets the storages this archive writes to.</summary>
    internal IStorageSet Storages => _storages;

    internal static async Task<(long Size, string Sha256)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return (stream.Length, Convert.ToHexString(hash).ToLowerInvariant());
        }
    }

    private static async Task<string?> GetStoredHashAsync(IStorageProvider storage, string key, CancellationToken cancellationToken)
    {
        var info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return null;
        }

        if (info.Sha256 is not null)
        {
            return info.Sha256;
        }

        var stream = await storage.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
        }
    }

    private static async Task<string?> TryDownloadAsync(IStorageProvider storage, StorageObjectInfo info, string destinationPath, CancellationToken cancellationToken)
    {
        var temporary = destinationPath + ".dbresilience-tmp";
        try
        {
            string actual;
            var source = await storage.OpenReadAsync(info.Key, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var target = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using (target.ConfigureAwait(false))
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }

                    actual = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                }
            }

            if (info.Key.EndsWith(".partial", StringComparison.Ordinal) && new FileInfo(temporary).Length < WalSegmentName.SegmentSize)
            {
                // The streaming receiver stores only the bytes it has; recovery reads a whole segment, zero-padded like pg_receivewal's.
                await using var pad = new FileStream(temporary, FileMode.Open, FileAccess.Write, FileShare.None, 1, useAsync: true);
                pad.SetLength(WalSegmentName.SegmentSize);
            }

            if (info.Sha256 is not null && !string.Equals(actual, info.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(temporary);
                return $"{storage.Name} '{info.Key}' has SHA-256 {actual}, recorded {info.Sha256}";
            }

            File.Move(temporary, destinationPath, overwrite: true);
            return null;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
