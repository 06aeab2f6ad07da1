namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Stores and retrieves the bytes of backups, manifests and WAL segments under relative keys
/// (a directory on a local disk, a bucket and prefix in S3, or a custom store).
/// </summary>
/// <remarks>
/// Keys are relative, use <c>/</c> as the separator and can never escape the provider's root or prefix.
/// A write is atomic: a reader sees either nothing or the whole object under its key, never a partial one.
/// </remarks>
public interface IStorageProvider
{
    /// <summary>Gets a display name for messages and manifests, for example <c>file:///var/backups</c>; never contains credentials.</summary>
    string Name { get; }

    /// <summary>Writes a stream under a key, computing its SHA-256 while it flows, and replaces any object already there.</summary>
    /// <param name="key">The relative key.</param>
    /// <param name="content">The bytes to store; read once, to its end; need not be seekable.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left under <paramref name="key"/>.</param>
    /// <returns>The size and SHA-256 of what was stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid relative key.</exception>
    /// <exception cref="StorageException">The store failed; the message names the storage and the key.</exception>
    Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens the object stored under a key for reading.</summary>
    /// <param name="key">The relative key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A stream of the object's bytes that the caller disposes.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid relative key.</exception>
    /// <exception cref="StorageObjectNotFoundException">Nothing is stored under <paramref name="key"/>.</exception>
    /// <exception cref="StorageException">The store failed.</exception>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Lists the objects whose keys start with a prefix, in ordinal key order, fetching page by page.</summary>
    /// <param name="prefix">The key prefix; empty lists everything.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The objects found.</returns>
    /// <exception cref="StorageException">The store failed.</exception>
    IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Gets the size, time and stored checksum of one object.</summary>
    /// <param name="key">The relative key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object's description, or <see langword="null"/> when nothing is stored under <paramref name="key"/>.</returns>
    /// <exception cref="StorageException">The store failed.</exception>
    Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object stored under a key.</summary>
    /// <param name="key">The relative key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when an object was deleted; <see langword="false"/> when there was none.</returns>
    /// <exception cref="StorageException">The store failed.</exception>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}
