namespace Inknowing.DbResilience.Backups;

/// <summary>The result of a completed backup.</summary>
public sealed record BackupResult
{
    /// <summary>Gets the manifest written to every location.</summary>
    public required BackupManifest Manifest { get; init; }

    /// <summary>Gets how long the backup took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the storages that could not store a copy, with the reason; empty when every copy succeeded.</summary>
    public IReadOnlyList<string> FailedCopies { get; init; } = [];
}
