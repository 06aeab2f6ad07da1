using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.ExtensibilityTests.Plugins;

/// <summary>A third party's storage: objects in memory, keys validated by the library's public <see cref="StorageKey"/>.</summary>
public sealed class MemoryStorageProvider(string name) : IStorageProvider
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, DateTimeOffset At)> _objects = new(StringComparer.Ordinal);

    public string Name { get; } = "memory://" + name;

    /// <summary>Gets the keys stored, in order.</summary>
    public IReadOnlyList<string> Keys => [.. _objects.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Returns the bytes stored under a key.</summary>
    public byte[] Read(string key) => _objects[key].Bytes;

    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        StorageKey.Validate(key);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        _objects[key] = (bytes, DateTimeOffset.UtcNow);
        return new StorageWriteResult { Key = key, Size = bytes.Length, Sha256 = Sha256(bytes) };
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKey.Validate(key);
        return _objects.TryGetValue(key, out var stored)
            ? Task.FromResult<Stream>(new MemoryStream(stored.Bytes, writable: false))
            : throw new StorageObjectNotFoundException(Name, key);
    }

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var key in Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (await GetInfoAsync(key, cancellationToken) is { } info)
            {
                yield return info;
            }
        }
    }

    public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
        => Task.FromResult(_objects.TryGetValue(key, out var stored) ? new StorageObjectInfo { Key = key, Size = stored.Bytes.Length, LastModified = stored.At, Sha256 = Sha256(stored.Bytes) } : null);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(_objects.TryRemove(key, out _));

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
