namespace Inknowing.DbResilience.Backups;

/// <summary>The kind of a backup: what made it and how it is restored.</summary>
public enum BackupKind
{
    /// <summary>A logical backup (pg_dump), stored under <c>backups/&lt;id&gt;/</c>; restored into a database by pg_restore or psql.</summary>
    Logical,

    /// <summary>
    /// A physical base backup (pg_basebackup), stored under <c>base/&lt;id&gt;/</c>; restored into a new data directory and brought
    /// to a point in time by replaying the archived WAL.
    /// </summary>
    Base,
}
