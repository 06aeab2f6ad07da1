namespace Inknowing.DbResilience.Storage;

/// <summary>What a write stored.</summary>
public sealed record StorageWriteResult
{
    /// <summary>Gets the relative key written.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the number of bytes stored.</summary>
    public required long Size { get; init; }

    /// <summary>Gets the SHA-256 of the bytes, computed while they streamed, as lowercase hex.</summary>
    public required string Sha256 { get; init; }
}
