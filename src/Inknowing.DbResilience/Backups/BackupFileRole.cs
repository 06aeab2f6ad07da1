namespace Inknowing.DbResilience.Backups;

/// <summary>What one file of a backup holds.</summary>
public enum BackupFileRole
{
    /// <summary>The backup itself: the database dump, or the tar of a base backup's data directory.</summary>
    Data,

    /// <summary>The roles and tablespaces of the server (<c>pg_dumpall --globals-only</c>), taken with a logical backup.</summary>
    Globals,
}
