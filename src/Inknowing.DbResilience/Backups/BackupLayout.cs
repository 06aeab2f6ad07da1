namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Where backups live in a storage: <c>backups/&lt;id&gt;/</c> for logical backups, <c>base/&lt;id&gt;/</c> for base backups, each
/// folder holding the backup's files and its <c>manifest.json</c>, written last.
/// </summary>
public static class BackupLayout
{
    /// <summary>The name of every backup's manifest in its folder.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>The tier in the id of every base backup, such as <c>20261121T020000Z-base-3f9a</c>.</summary>
    public const string BaseTier = "base";

    /// <summary>Gets the storage prefix of a kind's folders, without the trailing slash.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns><c>backups</c> or <c>base</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a known kind.</exception>
    public static string Prefix(BackupKind kind) => kind switch
    {
        BackupKind.Logical => "backups",
        BackupKind.Base => "base",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a backup kind."),
    };

    /// <summary>Gets the storage key of one file of a backup.</summary>
    /// <param name="kind">The backup's kind.</param>
    /// <param name="id">The backup's id.</param>
    /// <param name="name">The file's name, such as <c>data.dump</c> or <c>manifest.json</c>.</param>
    /// <returns>The key, such as <c>backups/20261121T020000Z-daily-3f9a/data.dump</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a known kind.</exception>
    public static string FileKey(BackupKind kind, string id, string name) => $"{Prefix(kind)}/{id}/{name}";

    /// <summary>Gets the storage key of a backup's manifest.</summary>
    /// <param name="kind">The backup's kind.</param>
    /// <param name="id">The backup's id.</param>
    /// <returns>The key, such as <c>base/20261121T020000Z-base-3f9a/manifest.json</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a known kind.</exception>
    public static string ManifestKey(BackupKind kind, string id) => FileKey(kind, id, ManifestName);

    /// <summary>Gets the kind an id's tier says: <see cref="BackupKind.Base"/> for the tier <c>base</c>, else logical.</summary>
    internal static BackupKind KindOf(BackupId id) => id.Tier == BaseTier ? BackupKind.Base : BackupKind.Logical;
}
