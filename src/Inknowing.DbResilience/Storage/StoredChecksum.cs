namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Compares what a storage records about an object (its size and the SHA-256 kept beside it: a sidecar file or object
/// metadata) with what a manifest expects, before the object is read. A missing or unreadable record is a problem, never a pass.
/// </summary>
public static class StoredChecksum
{
    /// <summary>Gets the name of the sidecar file or object that holds an object's checksum, such as <c>.dbr-sha256.data.dump</c>.</summary>
    /// <param name="key">The object's key.</param>
    /// <returns>The sidecar's name (its last key segment).</returns>
    public static string SidecarName(string key) => StorageKey.ReservedSegmentPrefix + "sha256." + key[(key.LastIndexOf('/') + 1)..];

    /// <summary>Describes a missing, unreadable or stale checksum record of an object.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <returns>A sentence naming the storage, the key and the sidecar.</returns>
    public static string MissingRecord(IStorageProvider storage, string key)
        => $"{storage.Name} holds no valid checksum record for '{key}' (its sidecar {SidecarName(key)} or its sha256 metadata is missing, "
            + "unreadable, or records another size)";

    /// <summary>Reads what the storage records about an object and compares it with the expected size and SHA-256.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="expectedSize">The size the manifest records.</param>
    /// <param name="expectedSha256">The SHA-256 the manifest records.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What is wrong, naming the storage and the key; <see langword="null"/> when the record matches.</returns>
    public static async Task<string?> CheckAsync(IStorageProvider storage, string key, long expectedSize, string expectedSha256, CancellationToken cancellationToken)
    {
        StorageObjectInfo? info;
        try
        {
            info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            return $"'{key}' in {storage.Name} cannot be examined: {ex.Message}";
        }

        return Describe(storage, key, info, expectedSize, expectedSha256);
    }

    /// <summary>Compares an object's description with the expected size and SHA-256.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="info">What the storage says of the object, or <see langword="null"/> when it is absent.</param>
    /// <param name="expectedSize">The size the manifest records.</param>
    /// <param name="expectedSha256">The SHA-256 the manifest records.</param>
    /// <returns>What is wrong, naming the storage and the key; <see langword="null"/> when the record matches.</returns>
    public static string? Describe(IStorageProvider storage, string key, StorageObjectInfo? info, long expectedSize, string expectedSha256)
    {
        if (info is null)
        {
            return $"'{key}' is missing from {storage.Name}";
        }

        if (info.Size != expectedSize)
        {
            return $"'{key}' in {storage.Name} is {info.Size} bytes, the manifest records {expectedSize} (truncated, extended or replaced)";
        }

        if (info.Sha256 is null)
        {
            return MissingRecord(storage, key);
        }

        return string.Equals(info.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{storage.Name} records SHA-256 {info.Sha256} for '{key}', the manifest records {expectedSha256} (the object or its checksum record was changed)";
    }
}
