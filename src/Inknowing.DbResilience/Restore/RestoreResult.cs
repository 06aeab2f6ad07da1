namespace Inknowing.DbResilience.Restore;

/// <summary>What a restore did. A strategy may return a derived record with what only it knows (a point-in-time restore does).</summary>
public record RestoreResult
{
    /// <summary>Gets the backup that was restored.</summary>
    public required string BackupId { get; init; }

    /// <summary>Gets the database that was restored into; for a base backup, the data directory.</summary>
    public required string TargetDatabase { get; init; }

    /// <summary>Gets the name of the strategy that restored it.</summary>
    public required string Strategy { get; init; }

    /// <summary>Gets when the restore started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long it took, verification included.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets how long the checksum verification took, before anything was changed.</summary>
    public TimeSpan VerificationDuration { get; init; }

    /// <summary>Gets the SHA-256 that the stored bytes were verified against.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the number of stored bytes read.</summary>
    public long BytesRead { get; init; }

    /// <summary>Gets the number of pg_restore jobs used.</summary>
    public int Jobs { get; init; }

    /// <summary>Gets a value indicating whether an existing database was replaced.</summary>
    public bool ReplacedExisting { get; init; }
}
