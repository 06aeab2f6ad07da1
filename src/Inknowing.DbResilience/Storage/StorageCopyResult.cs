namespace Inknowing.DbResilience.Storage;

/// <summary>What became of one copy written by <see cref="IStorageSet.WriteAllAsync"/>.</summary>
public sealed record StorageCopyResult
{
    /// <summary>Gets the storage written to.</summary>
    public required IStorageProvider Storage { get; init; }

    /// <summary>Gets what was stored, or <see langword="null"/> when the copy failed.</summary>
    public StorageWriteResult? Result { get; init; }

    /// <summary>Gets why the copy failed, or <see langword="null"/> when it succeeded.</summary>
    public Exception? Error { get; init; }

    /// <summary>Gets a value indicating whether this copy was stored whole.</summary>
    public bool Succeeded => Error is null && Result is not null;
}
