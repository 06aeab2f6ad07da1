namespace Inknowing.DbResilience.Backups;

/// <summary>What verification found for the copy of a backup in one storage.</summary>
/// <param name="Storage">The storage's display name.</param>
/// <param name="Succeeded">Whether every file is there with the size and SHA-256 of the manifest.</param>
/// <param name="Problem">What is wrong, or <see langword="null"/>.</param>
public sealed record BackupCopyVerification(string Storage, bool Succeeded, string? Problem);
