using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Copies the objects under a prefix from one storage to another (for example to a bucket in another region), verifying the
/// SHA-256 of each: the bytes read must match the checksum the source recorded, and the destination must record the same.
/// </summary>
/// <remarks>
/// Objects already present in the destination with the same SHA-256 are skipped, so a run that was interrupted can simply be
/// started again. One object failing does not stop the others; the report says what happened to each.
/// </remarks>
/// <param name="logger">The logger, or <see langword="null"/> for none.</param>
public sealed class StorageCopier(ILogger<StorageCopier>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Copies every object whose key starts with a prefix.</summary>
    /// <param name="source">The storage to copy from.</param>
    /// <param name="destination">The storage to copy to.</param>
    /// <param name="prefix">The key prefix; empty copies everything.</param>
    /// <param name="cancellationToken">Cancels the run; an object being copied is not left half-written.</param>
    /// <returns>One item per object, in key order.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not valid, or both storages are the same.</exception>
    /// <exception cref="StorageException">The source or the destination could not be listed.</exception>
    public async Task<IReadOnlyList<StorageCopyItem>> CopyAsync(IStorageProvider source, IStorageProvider destination, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        StorageKey.ValidatePrefix(prefix);
        if (string.Equals(source.Name, destination.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The source and the destination are the same storage ({source.Name}).", nameof(destination));
        }

        // What the destination already has comes from its listing, walked alongside the source's (both in ordinal key order),
        // not from a GetInfoAsync per object: an absent key is the usual case, and S3 answers a HEAD of an absent key with an
        // error that the AWS SDK throws (slow, and it loads the runtime's stack-trace machinery). A key the two orders place
        // differently (only possible with characters outside the BMP) is merely copied again.
        var items = new List<StorageCopyItem>();
        var existing = destination.ListAsync(prefix, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (existing.ConfigureAwait(false))
        {
            var more = await existing.MoveNextAsync().ConfigureAwait(false);
            await foreach (var listed in source.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                while (more && string.CompareOrdinal(existing.Current.Key, listed.Key) < 0)
                {
                    more = await existing.MoveNextAsync().ConfigureAwait(false);
                }

                var present = more && string.Equals(existing.Current.Key, listed.Key, StringComparison.Ordinal) ? existing.Current : null;
                items.Add(await CopyOneAsync(source, destination, listed, present, cancellationToken).ConfigureAwait(false));
            }
        }

        return items;
    }

    private async Task<StorageCopyItem> CopyOneAsync(
        IStorageProvider source, IStorageProvider destination, StorageObjectInfo listed, StorageObjectInfo? present, CancellationToken cancellationToken)
    {
        var key = listed.Key;
        try
        {
            var info = await WithChecksumAsync(source, listed, cancellationToken).ConfigureAwait(false)
                ?? throw new StorageObjectNotFoundException(source.Name, key);
            if (info.Sha256 is null)
            {
                return new StorageCopyItem { Key = key, Size = info.Size, Outcome = StorageCopyOutcome.Failed, Error = $"{source.Name} has no SHA-256 recorded for '{key}', so the copy cannot be verified." };
            }

            var existing = present is null ? null : await WithChecksumAsync(destination, present, cancellationToken).ConfigureAwait(false);
            if (existing is not null && existing.Size == info.Size && string.Equals(existing.Sha256, info.Sha256, StringComparison.Ordinal))
            {
                return new StorageCopyItem { Key = key, Size = info.Size, Sha256 = info.Sha256, Outcome = StorageCopyOutcome.Skipped };
            }

            StorageWriteResult written;
            await using (var stream = await source.OpenReadVerifiedAsync(key, info.Sha256, cancellationToken).ConfigureAwait(false))
            {
                written = await destination.WriteAsync(key, stream, cancellationToken).ConfigureAwait(false);
            }

            var stored = await destination.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(written.Sha256, info.Sha256, StringComparison.Ordinal) || stored?.Sha256 != info.Sha256 || stored.Size != info.Size)
            {
                await destination.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
                return new StorageCopyItem
                {
                    Key = key,
                    Size = info.Size,
                    Outcome = StorageCopyOutcome.Failed,
                    Error = $"{destination.Name} recorded SHA-256 {stored?.Sha256 ?? "(none)"} for '{key}' but {info.Sha256} was expected; the copy was deleted.",
                };
            }

            Log.ObjectCopied(_logger, source.Name, destination.Name, key, info.Size);
            return new StorageCopyItem { Key = key, Size = info.Size, Sha256 = info.Sha256, Outcome = StorageCopyOutcome.Copied };
        }
        catch (Exception ex) when (ex is StorageException or IOException)
        {
            return new StorageCopyItem { Key = key, Size = listed.Size, Outcome = StorageCopyOutcome.Failed, Error = ex.Message };
        }
    }

    /// <summary>
    /// Returns a listed object's details with its checksum: the listing's own when it has one (the file system's does), or
    /// else the storage's details of the object (S3's listing leaves checksums out); <see langword="null"/> when it is gone.
    /// </summary>
    private static async Task<StorageObjectInfo?> WithChecksumAsync(IStorageProvider storage, StorageObjectInfo listed, CancellationToken cancellationToken)
        => listed.Sha256 is null ? await storage.GetInfoAsync(listed.Key, cancellationToken).ConfigureAwait(false) : listed;
}
