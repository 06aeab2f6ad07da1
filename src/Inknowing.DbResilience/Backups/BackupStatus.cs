namespace Inknowing.DbResilience.Backups;

/// <summary>The state of a backup, as in the <c>backup_history</c> catalog.</summary>
public enum BackupStatus
{
    /// <summary>The backup is being written; it has no manifest yet.</summary>
    Running,

    /// <summary>Every file and the manifest were written.</summary>
    Completed,

    /// <summary>The backup failed; whatever it wrote was removed.</summary>
    Failed,

    /// <summary>A verification re-read every copy, checked its SHA-256 and read the archive.</summary>
    Verified,
}
