namespace Inknowing.DbResilience.Backups;

/// <summary>How a backup's files are encrypted.</summary>
public sealed record BackupEncryptionInfo
{
    /// <summary>Gets the framing and cipher, <c>AES-256-GCM-CHUNKED-v1</c> (see docs/backups.md).</summary>
    public required string Algorithm { get; init; }

    /// <summary>Gets the id of the key needed to decrypt it (a fingerprint, never the key).</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the plaintext bytes per chunk.</summary>
    public required int ChunkSize { get; init; }
}
