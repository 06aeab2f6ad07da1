namespace Inknowing.DbResilience.Storage;

/// <summary>Operations built on any <see cref="IStorageProvider"/>.</summary>
public static class StorageProviderExtensions
{
    /// <summary>
    /// Opens an object for reading and verifies its SHA-256 as it streams: the read that reaches the end throws when the bytes
    /// do not match, so a caller that reads to the end never accepts corrupt data silently.
    /// </summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The relative key.</param>
    /// <param name="expectedSha256">The SHA-256 to expect (for example from a manifest), as hex; <see langword="null"/> to use the one the storage recorded.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A stream of the object's bytes that the caller disposes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not valid, or <paramref name="expectedSha256"/> is not a SHA-256 in hex.</exception>
    /// <exception cref="StorageObjectNotFoundException">Nothing is stored under <paramref name="key"/>.</exception>
    /// <exception cref="StorageException">No SHA-256 was given and the storage has none recorded for the object, or the store failed.</exception>
    /// <exception cref="StorageIntegrityException">Thrown by the stream's last read when the bytes do not match.</exception>
    public static async Task<Stream> OpenReadVerifiedAsync(this IStorageProvider storage, string key, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        StorageKey.Validate(key);
        var expected = expectedSha256?.ToLowerInvariant();
        if (expected is not null && !Sha256Hex.IsValid(expected))
        {
            throw new ArgumentException($"'{expectedSha256}' is not a SHA-256 in hex (64 characters 0-9, a-f).", nameof(expectedSha256));
        }

        if (expected is null)
        {
            var info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new StorageObjectNotFoundException(storage.Name, key);
            expected = info.Sha256
                ?? throw new StorageException(storage.Name, key, "no SHA-256 was recorded for this object: pass the expected one, for example from the backup's manifest.");
        }

        var stream = await storage.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        return new VerifyingReadStream(stream, storage.Name, key, expected);
    }
}
