namespace Inknowing.DbResilience.Storage;

/// <summary>What became of one object in a <see cref="StorageCopier"/> run.</summary>
public sealed record StorageCopyItem
{
    /// <summary>Gets the key, the same in both storages.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Gets the verified SHA-256, or <see langword="null"/> when the copy failed.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Gets whether the object was copied, skipped (already there with the same SHA-256) or failed.</summary>
    public required StorageCopyOutcome Outcome { get; init; }

    /// <summary>Gets why the copy failed, or <see langword="null"/>.</summary>
    public string? Error { get; init; }
}
