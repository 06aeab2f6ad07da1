namespace Inknowing.DbResilience.Restore;

/// <summary>The kinds of point a restore of a base backup recovers to by replaying archived WAL.</summary>
public enum PointInTimeTargetKind
{
    /// <summary>Replay every archived WAL file: the newest state the archive holds.</summary>
    Latest = 0,

    /// <summary>Stop as soon as the base backup is consistent: the state when the backup ended.</summary>
    Immediate = 1,

    /// <summary>Stop at a time: transactions committed at or before it are kept.</summary>
    Time = 2,

    /// <summary>Stop at a WAL location (LSN), such as <c>0/3000100</c>.</summary>
    Lsn = 3,

    /// <summary>Stop after a transaction id commits.</summary>
    TransactionId = 4,

    /// <summary>Stop at a named restore point (<c>pg_create_restore_point</c>).</summary>
    RestorePoint = 5,
}
