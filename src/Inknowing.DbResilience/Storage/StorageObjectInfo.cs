namespace Inknowing.DbResilience.Storage;

/// <summary>Describes one stored object.</summary>
public sealed record StorageObjectInfo
{
    /// <summary>Gets the relative key.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Gets when the object was last written.</summary>
    public required DateTimeOffset LastModified { get; init; }

    /// <summary>Gets the SHA-256 recorded when the object was written, as lowercase hex, or <see langword="null"/> when the store has none.</summary>
    public string? Sha256 { get; init; }
}
