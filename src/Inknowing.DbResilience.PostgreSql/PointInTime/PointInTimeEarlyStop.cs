namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Where a point-in-time restore stopped short of the end of the archive because the user allowed it
/// (<see cref="PointInTimeRestoreRequest.AllowEarlyStop"/>), and exactly what was not replayed.
/// </summary>
public sealed record PointInTimeEarlyStop
{
    /// <summary>Gets why recovery cannot go further: the missing or damaged file and what is wrong with it.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the first WAL file not replayed (missing or damaged), such as <c>000000010000000000000007</c>.</summary>
    public required string FirstNotReplayed { get; init; }

    /// <summary>
    /// Gets where replay stopped: the end of the last record the server replayed once started (<c>pg_last_wal_replay_lsn()</c>),
    /// or, when the restore was not started, the end of the last complete record in the staged WAL.
    /// </summary>
    public required string StopLsn { get; init; }

    /// <summary>
    /// Gets the commit time of the last transaction replayed (<c>pg_last_xact_replay_timestamp()</c>) once the server was started;
    /// <see langword="null"/> when it was not started or replayed no transaction.
    /// </summary>
    public DateTimeOffset? StopTime { get; init; }

    /// <summary>Gets when the last replayed WAL file was stored: every commit before that time, and none after, may be in it.</summary>
    public required DateTimeOffset LastReplayedStoredAt { get; init; }

    /// <summary>Gets the number of stored WAL files after the stop that were not replayed (the damaged one included).</summary>
    public required int FilesNotReplayed { get; init; }

    /// <summary>Gets the size of those files in bytes.</summary>
    public required long BytesNotReplayed { get; init; }

    /// <summary>Gets the end of the archived WAL that was not reached, such as <c>0/9000000</c>.</summary>
    public required string ArchiveEndLsn { get; init; }

    /// <summary>Gets when the last archived WAL file that was not replayed was stored.</summary>
    public required DateTimeOffset ArchiveEndStoredAt { get; init; }
}
