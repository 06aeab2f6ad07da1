namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The outcome of a point-in-time recovery drill, with the measured recovery time and data-loss window.</summary>
public sealed record PointInTimeDrillReport
{
    /// <summary>Gets a value indicating whether the marker row came back from the restore.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets the steps, in order.</summary>
    public required IReadOnlyList<PointInTimeDrillStep> Steps { get; init; }

    /// <summary>Gets the marker inserted and then deleted.</summary>
    public string? Marker { get; init; }

    /// <summary>Gets the time restored to: after the marker's insert, before its delete.</summary>
    public DateTimeOffset? TargetTime { get; init; }

    /// <summary>Gets the base backup restored.</summary>
    public string? BaseBackupId { get; init; }

    /// <summary>Gets the recovery time: from the start of the restore to the verified marker in the running restored cluster.</summary>
    public TimeSpan? Rto { get; init; }

    /// <summary>
    /// Gets the measured recovery point: how far the newest WAL safely in storage lagged behind the last committed transaction
    /// when the drill began (what a disaster at that instant would have lost).
    /// </summary>
    public TimeSpan? Rpo { get; init; }

    /// <summary>Gets how long the WAL holding the marker's delete took to be safely in storage after its commit.</summary>
    public TimeSpan? ArchiveLag { get; init; }

    /// <summary>Gets the server's words on where recovery stopped.</summary>
    public string? RecoveryStop { get; init; }

    /// <summary>Gets the total duration.</summary>
    public required TimeSpan Duration { get; init; }
}
