namespace Inknowing.DbResilience.Backups;

/// <summary>One file of a backup, such as <c>data.dump</c>, as stored under the backup's folder in every location.</summary>
public sealed record BackupFile
{
    /// <summary>Gets the file name, such as <c>data.dump</c>, <c>data.tar</c>, <c>data.sql</c>, <c>globals.sql</c> or <c>base.tar.lz4</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the file holds: the data, or the globals (roles and tablespaces).</summary>
    public required BackupFileRole Role { get; init; }

    /// <summary>Gets the size of the stored bytes (after compression and encryption).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Gets the SHA-256 of the stored bytes, lowercase hex: what verification checks each copy against.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the size of the tool's output (before compression and encryption).</summary>
    public required long ContentSizeBytes { get; init; }

    /// <summary>Gets the SHA-256 of the tool's output, checked again after decryption and decompression.</summary>
    public required string ContentSha256 { get; init; }
}
