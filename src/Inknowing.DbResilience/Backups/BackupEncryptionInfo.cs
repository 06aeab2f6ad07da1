namespace Inknowing.DbResilience.Backups;

/// <summary>How a backup's files are encrypted.</summary>
/// <param name="Algorithm">The framing and cipher, <c>AES-256-GCM-CHUNKED-v1</c> (see docs/backups.md).</param>
/// <param name="KeyId">The id of the key needed to decrypt it (a fingerprint, never the key).</param>
/// <param name="ChunkSize">The plaintext bytes per chunk.</param>
public sealed record BackupEncryptionInfo(string Algorithm, string KeyId, int ChunkSize);
