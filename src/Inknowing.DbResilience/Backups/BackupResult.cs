namespace Inknowing.DbResilience.Backups;

/// <summary>The result of a completed backup.</summary>
/// <param name="Manifest">The manifest written to every location.</param>
/// <param name="Duration">How long the backup took.</param>
/// <param name="FailedCopies">The storages that could not store a copy, with the reason; empty when every copy succeeded.</param>
public sealed record BackupResult(BackupManifest Manifest, TimeSpan Duration, IReadOnlyList<string> FailedCopies);
