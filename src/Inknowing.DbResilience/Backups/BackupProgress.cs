namespace Inknowing.DbResilience.Backups;

/// <summary>How far a running backup has got.</summary>
/// <param name="BackupId">The backup.</param>
/// <param name="FileName">The file being written.</param>
/// <param name="BytesRead">The bytes read from the tool so far, for this file.</param>
/// <param name="Elapsed">The time since the backup started.</param>
public sealed record BackupProgress(string BackupId, string FileName, long BytesRead, TimeSpan Elapsed);
