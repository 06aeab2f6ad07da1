namespace Inknowing.DbResilience.Backups;

/// <summary>A copy of a backup whose manifest exists but cannot be trusted: unreadable, edited, or damaged.</summary>
/// <param name="Id">The backup id (its folder under <c>backups/</c>).</param>
/// <param name="Storage">The storage's display name.</param>
/// <param name="Key">The manifest's key, such as <c>backups/20261121T020000Z-daily-3f9a/manifest.json</c>.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record DamagedBackup(string Id, string Storage, string Key, string Problem);
