namespace Inknowing.DbResilience.Backups;

/// <summary>A copy of a backup whose manifest exists but cannot be trusted (unreadable, edited, or damaged), or that has files but no manifest.</summary>
public sealed record DamagedBackup
{
    /// <summary>Gets the backup id (its folder's name).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the kind of backup the folder holds (<c>backups/</c>: logical, <c>base/</c>: base). The default value is <see cref="BackupKind.Logical"/>.</summary>
    public BackupKind Kind { get; init; }

    /// <summary>Gets the storage's display name.</summary>
    public required string Storage { get; init; }

    /// <summary>Gets the manifest's key, such as <c>backups/20261121T020000Z-daily-3f9a/manifest.json</c>.</summary>
    public required string Key { get; init; }

    /// <summary>Gets what is wrong with it.</summary>
    public required string Problem { get; init; }
}
