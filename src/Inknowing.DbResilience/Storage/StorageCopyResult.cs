namespace Inknowing.DbResilience.Storage;

/// <summary>What became of one copy written by <see cref="IStorageSet.WriteAllAsync"/>.</summary>
/// <param name="Storage">The storage written to.</param>
/// <param name="Result">What was stored, or <see langword="null"/> when the copy failed.</param>
/// <param name="Error">Why the copy failed, or <see langword="null"/> when it succeeded.</param>
public sealed record StorageCopyResult(IStorageProvider Storage, StorageWriteResult? Result, Exception? Error)
{
    /// <summary>Gets a value indicating whether this copy was stored whole.</summary>
    public bool Succeeded => Error is null && Result is not null;
}
