namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The kinds of point a restore recovers to.</summary>
public enum RecoveryTargetKind
{
    /// <summary>Replay every archived WAL file: the newest state the archive holds.</summary>
    Latest,

    /// <summary>Stop as soon as the base backup is consistent (<c>recovery_target = 'immediate'</c>).</summary>
    Immediate,

    /// <summary>Stop at a time (<c>recovery_target_time</c>): transactions committed at or before it are kept.</summary>
    Time,

    /// <summary>Stop at a WAL location (<c>recovery_target_lsn</c>).</summary>
    Lsn,

    /// <summary>Stop after a transaction id commits (<c>recovery_target_xid</c>).</summary>
    TransactionId,

    /// <summary>Stop at a named restore point made with <c>pg_create_restore_point</c> (<c>recovery_target_name</c>).</summary>
    RestorePoint,
}
