namespace Inknowing.DbResilience.Storage;

/// <summary>What a write stored.</summary>
/// <param name="Key">The relative key written.</param>
/// <param name="Size">The number of bytes stored.</param>
/// <param name="Sha256">The SHA-256 of the bytes, computed while they streamed, as lowercase hex.</param>
public sealed record StorageWriteResult(string Key, long Size, string Sha256);
