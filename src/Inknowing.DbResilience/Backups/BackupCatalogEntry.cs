namespace Inknowing.DbResilience.Backups;

/// <summary>One row of the backup catalog (the <c>backup_history</c> table): a mirror of a manifest, kept best effort.</summary>
public sealed record BackupCatalogEntry
{
    /// <summary>Gets the backup id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the tier, stored as <c>backup_type</c>.</summary>
    public required string Tier { get; init; }

    /// <summary>Gets the status.</summary>
    public required BackupStatus Status { get; init; }

    /// <summary>Gets the data file's key in the primary storage, stored as <c>file_path</c>.</summary>
    public string? FilePath { get; init; }

    /// <summary>Gets the stored size in bytes.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Gets the SHA-256 of the stored data file, stored as <c>checksum</c>.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Gets the locations other than the primary (S3 and the like), stored as <c>s3_location</c>.</summary>
    public string? OtherLocations { get; init; }

    /// <summary>Gets when the backup started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it completed, if it did.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets when a verification last passed.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Gets when retention expects to delete it.</summary>
    public DateTimeOffset? RetentionUntil { get; init; }

    /// <summary>Gets free text, such as the error of a failed backup.</summary>
    public string? Notes { get; init; }
}
