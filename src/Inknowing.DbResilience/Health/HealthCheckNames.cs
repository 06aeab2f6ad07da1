namespace Inknowing.DbResilience.Health;

/// <summary>The names of the library's health checks, all tagged <see cref="Tag"/>.</summary>
public static class HealthCheckNames
{
    /// <summary>The tag every check of the library carries, to map them to an endpoint of their own.</summary>
    public const string Tag = "dbresilience";

    /// <summary>The age of the newest backup, overall and per configured tier.</summary>
    public const string BackupFreshness = "dbresilience-backup-freshness";

    /// <summary>The last verification of a backup: its result and age.</summary>
    public const string Verification = "dbresilience-verification";

    /// <summary>The last restore drill: its result, its recovery time against the objective, and its age.</summary>
    public const string Drill = "dbresilience-drill";

    /// <summary>The last integrity check: its result and age.</summary>
    public const string Integrity = "dbresilience-integrity";

    /// <summary>Every configured storage takes a write (a small probe object, <c>health/probe</c>).</summary>
    public const string Storage = "dbresilience-storage";

    /// <summary>WAL archiving from <c>pg_stat_archiver</c>: failures, and how long complete segments wait.</summary>
    public const string WalArchiving = "dbresilience-wal-archiving";

    /// <summary>The WAL receiver's replication slot: active, and its lag behind the server.</summary>
    public const string WalReceiver = "dbresilience-wal-receiver";

    /// <summary>Migrations pending, or applied scripts that changed since (drift).</summary>
    public const string Migrations = "dbresilience-migrations";
}
