using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>The largest history or backup history file read (they are a few lines).</summary>
    private const long MaxSmallFileSize = 1024 * 1024;

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
    /// Fetches one archived WAL file into a path, as <c>restore_command</c> does. Nothing is served that is not vouched for twice:
    /// the copy's size and SHA-256 must match the checksum its storage records (which must exist), and a segment must pass its
    /// own structural check (page headers, record CRC-32C). A segment whose complete copy is missing everywhere is served from
    /// its <c>.partial</c> copy (the last segment the streaming receiver was writing); a complete copy that is damaged is never
    /// replaced by a partial one.
    /// </summary>
    /// <param name="name">The file name PostgreSQL asks for (<c>%f</c>).</param>
    /// <param name="destinationPath">Where to write it (<c>%p</c>); written under a temporary name, then renamed.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns><see langword="true"/> when the file was fetched; <see langword="false"/> when no storage has it.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a WAL file name.</exception>
    /// <exception cref="PointInTimeException">
    /// Every stored copy is damaged (the message names each and what is wrong), or a segment is missing while later segments of its
    /// timeline are stored, or a timeline's history file while segments of that timeline are (a gap: answering "not archived"
    /// would end recovery early).
    /// </exception>
    public async Task<bool> FetchAsync(string name, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var file = WalFileName.Parse(name);
        if ((await FetchCheckedAsync(file, destinationPath, cancellationToken).ConfigureAwait(false)).Found)
        {
            return true;
        }

        // "Not archived" tells PostgreSQL the archive ends here. With later segments of the same timeline stored, it does not:
        // a gap, and recovery would promote short of everything after it.
        // The same for a timeline's history file while segments of that timeline are stored: without it, recovery would
        // stay on the older timeline. Timeline 1 has no history file.
        if ((file.Kind == WalFileKind.Segment || (file.Kind == WalFileKind.History && file.Timeline > 1))
            && await FindLaterSegmentAsync(file, cancellationToken).ConfigureAwait(false) is { } later)
        {
            var what = file.Kind == WalFileKind.Segment ? "WAL segment" : "timeline history file";
            throw new PointInTimeException(
                $"The {what} {file.Name} is missing from the archive, but a later segment of timeline {file.Timeline} is archived ({later}): "
                + $"the chain has a gap. Nothing was written to '{destinationPath}'. Restore the file from another copy of the archive; "
                + "to accept losing every commit after the gap, run 'dbresilience pitr restore --allow-early-stop' instead.");
        }

        return false;
    }

    /// <summary>Finds a stored segment (or partial segment) of the file's timeline after it (any, for a history file), in any storage.</summary>
    private async Task<string?> FindLaterSegmentAsync(WalFileName file, CancellationToken cancellationToken)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{WalFileName.Prefix}{file.Timeline:X8}/");
        foreach (var storage in _storages.Providers)
        {
            await foreach (var info in storage.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                var stored = WalFileName.TryParse(info.Key[(info.Key.LastIndexOf('/') + 1)..]);
                if (stored is { Kind: WalFileKind.Segment or WalFileKind.Partial }
                    && (file.Kind == WalFileKind.History || string.CompareOrdinal(stored.Name[..24], file.Name) > 0))
                {
                    return stored.Name;
                }
            }
        }

        return null;
    }

    /// <summary>Fetches one file as <see cref="FetchAsync"/> does, and returns what the structural check of a segment found.</summary>
    /// <exception cref="PointInTimeException">Every stored copy is damaged.</exception>
    internal async Task<(bool Found, WalSegmentCheck? Check)> FetchCheckedAsync(WalFileName file, string destinationPath, CancellationToken cancellationToken)
    {
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

                var read = await ReadCheckedAsync(storage, info, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (read.Problem is null)
                    {
                        await WriteAtomicallyAsync(read.Bytes.AsMemory(0, read.Length), key.EndsWith(".partial", StringComparison.Ordinal), destinationPath, cancellationToken).ConfigureAwait(false);
                        Log.WalFetched(_logger, file.Name, storage.Name);
                        return (true, read.Check);
                    }

                    problems.Add(read.Problem);
                }
                finally
                {
                    Release(read.Bytes);
                }
            }

            if (problems.Count > 0)
            {
                // A damaged complete segment is not replaced by its shorter .partial: recovery would end early without a word.
                break;
            }
        }

        if (problems.Count > 0)
        {
            throw new PointInTimeException(
                $"No intact copy of the WAL file {file.Name}: {string.Join("; ", problems)}. Nothing was written to '{destinationPath}'. "
                + "Restore the file from another copy of the archive; until then recovery cannot replay past it.");
        }

        Log.WalMissing(_logger, file.Name);
        return (false, null);
    }

    /// <summary>Reads every stored copy of one archived file and checks it as a fetch would, without writing anything.</summary>
    /// <returns>What is wrong with each damaged copy (empty when all are sound), and the structural check of the first sound copy.</returns>
    internal async Task<(List<string> Problems, WalSegmentCheck? Check, int Copies)> VerifyAsync(WalFileName file, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        WalSegmentCheck? check = null;
        var copies = 0;
        foreach (var storage in _storages.Providers)
        {
            var info = await storage.GetInfoAsync(file.Key, cancellationToken).ConfigureAwait(false);
            if (info is null)
            {
                continue;
            }

            copies++;
            var read = await ReadCheckedAsync(storage, info, cancellationToken).ConfigureAwait(false);
            Release(read.Bytes);
            if (read.Problem is not null)
            {
                problems.Add(read.Problem);
            }
            else
            {
                check ??= read.Check;
            }
        }

        return (problems, check, copies);
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

    /// <summary>
    /// Reads one stored copy into a pooled buffer (returned by the caller) and checks it: a checksum record exists, the size and
    /// SHA-256 match it, a segment is exactly 16 MiB and structurally sound, a history file parses.
    /// </summary>
    private static async Task<(byte[] Bytes, int Length, string? Problem, WalSegmentCheck? Check)> ReadCheckedAsync(
        IStorageProvider storage, StorageObjectInfo info, CancellationToken cancellationToken)
    {
        var file = WalFileName.TryParse(info.Key[(info.Key.LastIndexOf('/') + 1)..]);
        var where = $"{storage.Name} '{info.Key}'";
        var limit = file?.Kind is WalFileKind.Segment or WalFileKind.Partial ? WalSegmentName.SegmentSize : MaxSmallFileSize;
        if (file is null)
        {
            return ([], 0, $"{where} is not a WAL file name", null);
        }

        if (info.Sha256 is null)
        {
            return ([], 0, StoredChecksum.MissingRecord(storage, info.Key) + ": nothing vouches for its bytes", null);
        }

        if ((file.Kind == WalFileKind.Segment && info.Size != WalSegmentName.SegmentSize) || info.Size == 0 || info.Size > limit)
        {
            return ([], 0, string.Create(CultureInfo.InvariantCulture,
                $"{where} is {info.Size} bytes; {(file.Kind == WalFileKind.Segment ? $"a WAL segment is exactly {WalSegmentName.SegmentSize}" : $"this kind of file is 1 to {limit}")} (cut, extended or replaced)"), null);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)info.Size);
        var length = 0;
        string actual;
        var source = await storage.OpenReadAsync(info.Key, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            int read;
            while (length < buffer.Length && (read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            if (length == buffer.Length && await source.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0)
            {
                length++;
            }

            actual = Convert.ToHexString(SHA256.HashData(buffer.AsSpan(0, Math.Min(length, buffer.Length)))).ToLowerInvariant();
        }

        if (length != info.Size)
        {
            return (buffer, 0, string.Create(CultureInfo.InvariantCulture, $"{where} gave {length} bytes while its storage lists {info.Size}: it changed while read"), null);
        }

        if (!string.Equals(actual, info.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return (buffer, 0, $"{where} has SHA-256 {actual}, its storage records {info.Sha256} (the file or its checksum record was changed)", null);
        }

        var bytes = buffer.AsSpan(0, length);
        switch (file.Kind)
        {
            case WalFileKind.Segment or WalFileKind.Partial:
                var check = WalSegmentVerifier.Check(bytes, file.Segment!.Value, file.Kind == WalFileKind.Partial);
                return check.Problem is null ? (buffer, length, null, check) : (buffer, 0, $"{where} is not sound WAL: {check.Problem}", null);
            case WalFileKind.History:
                var problem = CheckHistory(Encoding.UTF8.GetString(bytes), file.Timeline);
                return problem is null ? (buffer, length, null, null) : (buffer, 0, $"{where} is not a valid timeline history file: {problem}", null);
            default:
                return (buffer, length, null, null);
        }
    }

    /// <summary>Checks a timeline history file: each line names an older timeline and where it ended, in order.</summary>
    internal static string? CheckHistory(string content, uint timeline)
    {
        var lines = content.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')).ToList();
        var parsed = WalChain.ParseHistoryLines(content);
        if (parsed.Count == 0 || parsed.Count != lines.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{lines.Count} line(s), {parsed.Count} of them of the form 'timeline<TAB>LSN<TAB>reason'");
        }

        for (var i = 0; i < parsed.Count; i++)
        {
            if (parsed[i].Parent >= timeline || (i > 0 && (parsed[i].Parent <= parsed[i - 1].Parent || parsed[i].SwitchLsn < parsed[i - 1].SwitchLsn)))
            {
                return string.Create(CultureInfo.InvariantCulture, $"line {i + 1} (timeline {parsed[i].Parent}) is out of order for the history of timeline {timeline}");
            }
        }

        return null;
    }

    private static void Release(byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteAtomicallyAsync(ReadOnlyMemory<byte> bytes, bool partial, string destinationPath, CancellationToken cancellationToken)
    {
        var temporary = destinationPath + ".dbresilience-tmp";
        try
        {
            var target = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                if (partial && bytes.Length < WalSegmentName.SegmentSize)
                {
                    // The streaming receiver stores only the bytes it has; recovery reads a whole segment, zero-padded like pg_receivewal's.
                    target.SetLength(WalSegmentName.SegmentSize);
                }
            }

            File.Move(temporary, destinationPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
