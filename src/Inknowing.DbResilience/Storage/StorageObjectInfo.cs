namespace Inknowing.DbResilience.Storage;

/// <summary>Describes one stored object.</summary>
/// <param name="Key">The relative key.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When the object was last written.</param>
/// <param name="Sha256">The SHA-256 recorded when the object was written, as lowercase hex, or <see langword="null"/> when the store has none.</param>
public sealed record StorageObjectInfo(string Key, long Size, DateTimeOffset LastModified, string? Sha256);
