namespace Inknowing.DbResilience.Backups;

/// <summary>What verification found for the copy of a backup in one storage.</summary>
public sealed record BackupCopyVerification
{
    /// <summary>Gets the storage's display name.</summary>
    public required string Storage { get; init; }

    /// <summary>Gets a value indicating whether every file is there with the size and SHA-256 of the manifest.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>Gets what is wrong, or <see langword="null"/>.</summary>
    public string? Problem { get; init; }
}
