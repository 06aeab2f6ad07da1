namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Every storage configured for the database (the first is the primary), so that each backup, manifest and WAL segment
/// is written to all of them: the 3-2-1 rule made easy.
/// </summary>
public interface IStorageSet
{
    /// <summary>Gets the configured storages, the primary first. Never empty once the configuration is valid.</summary>
    IReadOnlyList<IStorageProvider> Providers { get; }

    /// <summary>
    /// Writes one stream to every storage at once, reading it only once and with bounded memory whatever its size.
    /// A copy that fails does not stop the others; the caller learns per copy what succeeded.
    /// </summary>
    /// <param name="key">The relative key, the same in every storage.</param>
    /// <param name="content">The bytes; read once, to its end; need not be seekable.</param>
    /// <param name="cancellationToken">Cancels every copy; nothing is left under <paramref name="key"/> in any storage.</param>
    /// <returns>One result per storage, in the order of <see cref="Providers"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid relative key.</exception>
    Task<IReadOnlyList<StorageCopyResult>> WriteAllAsync(string key, Stream content, CancellationToken cancellationToken = default);
}
