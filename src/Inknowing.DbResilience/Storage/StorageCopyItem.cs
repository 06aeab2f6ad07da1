namespace Inknowing.DbResilience.Storage;

/// <summary>What became of one object in a <see cref="StorageCopier"/> run.</summary>
/// <param name="Key">The key, the same in both storages.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Sha256">The verified SHA-256, or <see langword="null"/> when the copy failed.</param>
/// <param name="Outcome"><c>copied</c>, <c>skipped</c> (already there with the same SHA-256) or <c>failed</c>.</param>
/// <param name="Error">Why the copy failed, or <see langword="null"/>.</param>
public sealed record StorageCopyItem(string Key, long Size, string? Sha256, string Outcome, string? Error);
