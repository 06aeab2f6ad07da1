namespace Inknowing.DbResilience.Backups;

/// <summary>How far a running backup has got.</summary>
public sealed record BackupProgress
{
    /// <summary>Gets the backup.</summary>
    public required string BackupId { get; init; }

    /// <summary>Gets the file being written.</summary>
    public required string FileName { get; init; }

    /// <summary>Gets the bytes read from the tool so far, for this file.</summary>
    public required long BytesRead { get; init; }

    /// <summary>Gets the time since the backup started.</summary>
    public required TimeSpan Elapsed { get; init; }
}
