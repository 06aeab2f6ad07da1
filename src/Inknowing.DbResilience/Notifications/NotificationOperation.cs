namespace Inknowing.DbResilience.Notifications;

/// <summary>What a notification is about.</summary>
public enum NotificationOperation
{
    /// <summary>An application's own scheduled job.</summary>
    Job,

    /// <summary>A backup.</summary>
    Backup,

    /// <summary>The verification of a backup.</summary>
    Verification,

    /// <summary>A restore or point-in-time recovery drill.</summary>
    Drill,

    /// <summary>A migration run.</summary>
    Migration,

    /// <summary>Retention (pruning old backups).</summary>
    Retention,

    /// <summary>WAL archiving.</summary>
    WalArchiving,

    /// <summary>The age of the newest backup.</summary>
    BackupAge,

    /// <summary>An integrity check of the database.</summary>
    Integrity,
}
