using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Stores objects as files under a root directory on a local or mounted disk: <c>ROOT/backups/ID/data.dump</c>.
/// </summary>
/// <remarks>
/// <para>
/// A write streams into a temporary file <c>.dbr-tmp-*</c> in the target's directory, computing the SHA-256 on the way
/// (with an fsync started on another thread every 64 MiB, so that the disk works while the next bytes are hashed),
/// flushes it to disk (fsync), then renames it over the final name and flushes the directory, so a crash or a cancellation
/// never leaves a partial file under the final key. A full disk (ENOSPC, or a quota) removes the temporary file and fails
/// at once, not as a transient error to retry, with a message that says so and what to do.
/// </para>
/// <para>
/// The SHA-256 and size are kept in a sidecar file <c>.dbr-sha256.NAME</c> beside the object; listings hide every
/// <c>.dbr-*</c> file and keys cannot name one (see <see cref="StorageKey"/>). The old sidecar is removed before the new
/// object is renamed into place, so a crash at any step leaves either the right checksum or none, never a wrong one.
/// </para>
/// </remarks>
public sealed class FileSystemStorageProvider : IStorageProvider
{
    private const string TemporaryPrefix = StorageKey.ReservedSegmentPrefix + "tmp-";
    private const string ChecksumPrefix = StorageKey.ReservedSegmentPrefix + "sha256.";
    private const int BufferSize = 1024 * 1024;
    private const long WriteBehindBytes = 64L * 1024 * 1024;

    private readonly string _root;

    /// <summary>Initializes a new instance of the <see cref="FileSystemStorageProvider"/> class.</summary>
    /// <param name="rootPath">The root directory; relative paths are resolved against the current directory. Created on the first write.</param>
    /// <exception cref="ArgumentException"><paramref name="rootPath"/> is empty or not a valid path.</exception>
    public FileSystemStorageProvider(string rootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        Name = new Uri(_root + Path.DirectorySeparatorChar).AbsoluteUri.TrimEnd('/');
        if (Name == "file://")
        {
            Name = "file:///";
        }
    }

    /// <summary>Gets the absolute root directory.</summary>
    public string RootPath => _root;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        ArgumentNullException.ThrowIfNull(content);
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        var checksumTemporary = temporary + ".sha256";
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var readingSource = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            using (var stream = CreateTemporary(directory, temporary))
            {
                var file = stream.SafeFileHandle;
                // Write-behind: every WriteBehindBytes, the file's dirty pages start going to disk on another thread while
                // this one goes on reading and hashing, so the final fsync has at most that much left to do instead of
                // the whole object (the hash, not the disk, is the slow part without SHA-NI).
                var flushing = Task.CompletedTask;
                long flushedAt = 0;
                try
                {
                    while (true)
                    {
                        readingSource = true;
                        var read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                        readingSource = false;
                        if (read == 0)
                        {
                            break;
                        }

                        hash.AppendData(buffer, 0, read);
                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), size, cancellationToken).ConfigureAwait(false);
                        size += read;
                        if (size - flushedAt >= WriteBehindBytes && flushing.IsCompleted)
                        {
                            await flushing.ConfigureAwait(false);
                            flushedAt = size;
                            flushing = Task.Run(() => RandomAccess.FlushToDisk(file), CancellationToken.None);
                        }
                    }

                    await flushing.ConfigureAwait(false);
                    RandomAccess.FlushToDisk(file);
                }
                finally
                {
                    // Never close the handle under a flush still running (a failure or a cancellation got here first).
                    await flushing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }

            var sha256 = Sha256Hex.Finish(hash);
            await WriteChecksumFileAsync(checksumTemporary, sha256, size, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            // Commit: old checksum out, new object in, new checksum in, directory flushed.
            var checksumPath = ChecksumPathOf(path);
            File.Delete(checksumPath);
            File.Move(temporary, path, overwrite: true);
            File.Move(checksumTemporary, checksumPath, overwrite: true);
            DirectorySync.Flush(directory);
            return new StorageWriteResult { Key = key, Size = size, Sha256 = sha256 };
        }
        catch (Exception ex)
        {
            TryDelete(temporary);
            TryDelete(checksumTemporary);
            if (ex is OperationCanceledException || readingSource)
            {
                throw;
            }

            if (NoSpace.Is(ex))
            {
                // Not transient: retrying at once fills the disk again. The partial temporary file is gone (above).
                throw new StorageException(
                    Name,
                    key,
                    $"no space left on the device that holds {_root}; nothing was stored under this key. Free space there (dbresilience prune deletes what retention no longer keeps) or move the storage to a larger disk, then run again.",
                    ex,
                    isTransient: false);
            }

            throw new StorageException(Name, key, "could not write the object: " + ex.Message, ex, IsTransient(ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            Stream stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            });
            return Task.FromResult(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException
            || (ex is UnauthorizedAccessException && Directory.Exists(path)))
        {
            throw new StorageObjectNotFoundException(Name, key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(Name, key, "could not open the object: " + ex.Message, ex, IsTransient(ex));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKey.ValidatePrefix(prefix);
        var lastSlash = prefix.LastIndexOf('/');
        var start = lastSlash < 0 ? _root : Path.Combine(_root, prefix[..lastSlash]);
        List<string> files;
        try
        {
            files = Directory.Exists(start)
                ? Directory.EnumerateFiles(start, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
                    .Select(ToKey)
                    .Where(k => k is not null && k.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(k => k!)
                    .ToList()
                : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(Name, prefix, "could not list the objects: " + ex.Message, ex, IsTransient(ex));
        }

        files.Sort(StringComparer.Ordinal);
        foreach (var key in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = await GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
            if (info is not null)
            {
                yield return info;
            }
        }
    }

    /// <inheritdoc />
    public async Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return null;
            }

            var sha256 = await ReadChecksumAsync(ChecksumPathOf(path), file.Length, cancellationToken).ConfigureAwait(false);
            return new StorageObjectInfo { Key = key, Size = file.Length, LastModified = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), Sha256 = sha256 };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(Name, key, "could not read the object's details: " + ex.Message, ex, IsTransient(ex));
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (!File.Exists(path))
            {
                return Task.FromResult(false);
            }

            File.Delete(ChecksumPathOf(path));
            File.Delete(path);
            RemoveEmptyParents(Path.GetDirectoryName(path)!);
            return Task.FromResult(true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(Name, key, "could not delete the object: " + ex.Message, ex, IsTransient(ex));
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private FileStream CreateTemporary(string directory, string temporary)
    {
        if (!Directory.Exists(_root))
        {
            // Above the root the directories are the user's, created as mkdir -p would (a restore target or the server's OS user
            // may need to pass through them); the root and everything below it are the store's, 0700.
            Directory.CreateDirectory(Path.GetDirectoryName(_root) ?? _root);
            PrivateFiles.CreateDirectory(_root);
        }

        for (var attempt = 0; ; attempt++)
        {
            PrivateFiles.CreateDirectory(directory);
            try
            {
                // Unbuffered: the writes go through RandomAccess on its handle.
                return PrivateFiles.CreateFile(temporary, FileMode.CreateNew, FileOptions.Asynchronous, bufferSize: 0);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // A concurrent delete pruned the empty directory between the two calls: create it again.
            }
        }
    }

    private static async Task WriteChecksumFileAsync(string path, string sha256, long size, CancellationToken cancellationToken)
    {
        await using var file = PrivateFiles.CreateFile(path, FileMode.CreateNew, bufferSize: 0);
        var text = string.Create(CultureInfo.InvariantCulture, $"{sha256} {size}\n");
        await file.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
    }

    private static async Task<string?> ReadChecksumAsync(string path, long size, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.ASCII, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        // "<sha256> <size>": a checksum whose size does not match belongs to another version of the file; ignore it.
        var parts = text.Trim().Split(' ');
        return parts.Length == 2 && Sha256Hex.IsValid(parts[0])
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var recorded) && recorded == size
            ? parts[0]
            : null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover .dbr-tmp-* file is hidden from listings and never mistaken for an object.
        }
    }

    private static bool IsTransient(Exception ex) => ex is IOException and not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException);

    private static string ChecksumPathOf(string path) => Path.Combine(Path.GetDirectoryName(path)!, ChecksumPrefix + Path.GetFileName(path));

    private string PathOf(string key)
    {
        StorageKey.Validate(key);
        var path = Path.GetFullPath(Path.Combine(_root, key));

        // Defence in depth: a validated key cannot leave the root, but check the resolved path anyway.
        return path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"The storage key '{key}' resolves outside the root directory of {Name}.", nameof(key));
    }

    private string? ToKey(string file)
    {
        var relative = Path.GetRelativePath(_root, file);
        var key = Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
        return StorageKey.IsValid(key) ? key : null;
    }

    private void RemoveEmptyParents(string directory)
    {
        while (directory.Length > _root.Length && directory.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    return;
                }

                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return; // Not empty any more (a concurrent write), or gone already: either way, stop.
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }
}
