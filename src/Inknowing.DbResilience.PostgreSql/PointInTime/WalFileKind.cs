namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The kinds of file that PostgreSQL archives and that WAL archiving stores.</summary>
public enum WalFileKind
{
    /// <summary>A complete 16 MiB WAL segment, such as <c>000000010000000000000003</c>.</summary>
    Segment,

    /// <summary>A segment still being written by the streaming receiver, such as <c>000000010000000000000003.partial</c>.</summary>
    Partial,

    /// <summary>A timeline history file, such as <c>00000002.history</c>.</summary>
    History,

    /// <summary>A backup history file, such as <c>000000010000000000000003.00000028.backup</c>.</summary>
    BackupHistory,
}
