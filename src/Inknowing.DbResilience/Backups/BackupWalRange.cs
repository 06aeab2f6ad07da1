namespace Inknowing.DbResilience.Backups;

/// <summary>Where in the write-ahead log a base backup starts and ends: the WAL a restore of it needs.</summary>
public sealed record BackupWalRange
{
    /// <summary>Gets the WAL location where the backup started (its checkpoint's redo point), such as <c>0/2000028</c>.</summary>
    public required string StartLsn { get; init; }

    /// <summary>Gets the WAL location where the backup ended: a restore is consistent from there on.</summary>
    public required string StopLsn { get; init; }

    /// <summary>Gets the timeline the backup was taken on.</summary>
    public required uint Timeline { get; init; }
}
