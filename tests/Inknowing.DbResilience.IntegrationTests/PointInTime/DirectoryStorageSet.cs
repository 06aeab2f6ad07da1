using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// A minimal directory-backed storage for the point-in-time tests until the file-system provider lands on main
/// (SHA-256 in a sidecar, write-then-rename). Not a product type.
/// </summary>
internal sealed class DirectoryStorageSet : IStorageSet, IStorageProvider
{
    private readonly string _root;

    public DirectoryStorageSet(string root)
    {
        _root = root;
        Directory.CreateDirectory(root);
    }

    public IReadOnlyList<IStorageProvider> Providers => [this];

    public string Name => "file://" + _root;

    public async Task<IReadOnlyList<StorageCopyResult>> WriteAllAsync(string key, Stream content, CancellationToken cancellationToken = default)
        => [new StorageCopyResult(this, await WriteAsync(key, content, cancellationToken), null)];

    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp" + Guid.NewGuid().ToString("N");
        long size = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = File.Create(temporary))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                size += read;
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        var sha = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        await File.WriteAllTextAsync(path + ".sha256", sha, cancellationToken);
        File.Move(temporary, path, overwrite: true);
        return new StorageWriteResult(key, size, sha);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        => File.Exists(PathOf(key))
            ? Task.FromResult<Stream>(File.OpenRead(PathOf(key)))
            : throw new StorageObjectNotFoundException(Name, key);

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var keys = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".sha256", StringComparison.Ordinal) && !f.Contains(".tmp", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var key in keys)
        {
            if (await GetInfoAsync(key, cancellationToken) is { } info)
            {
                yield return info;
            }
        }
    }

    public async Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        var file = new FileInfo(path);
        var sha = File.Exists(path + ".sha256") ? await File.ReadAllTextAsync(path + ".sha256", cancellationToken) : null;
        return new StorageObjectInfo(key, file.Length, file.LastWriteTimeUtc, sha);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        var existed = File.Exists(path);
        File.Delete(path);
        File.Delete(path + ".sha256");
        return Task.FromResult(existed);
    }

    private string PathOf(string key) => Path.Combine(_root, key);
}
