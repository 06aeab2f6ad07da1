namespace Inknowing.DbResilience.Backups;

/// <summary>The format of a backup: one of pg_dump's for a logical backup, <see cref="Tar"/> for a base backup.</summary>
public enum BackupFormat
{
    /// <summary>pg_dump's custom format (<c>-Fc</c>), compressed by pg_dump, stored as <c>data.dump</c>; restores selectively and in parallel.</summary>
    Custom,

    /// <summary>pg_dump's directory format (<c>-Fd</c>, dumped with several jobs), streamed into storage as a tar, <c>data.tar</c>.</summary>
    Directory,

    /// <summary>A plain SQL script (<c>-Fp</c>), stored as <c>data.sql</c> (<c>data.sql.gz</c> with gzip); restored with psql.</summary>
    Plain,

    /// <summary>
    /// A base backup: pg_basebackup's tar of the data directory (<c>-Ft</c>), compressed by pg_basebackup, stored as
    /// <c>base.tar.lz4</c> or <c>base.tar.zst</c>; not a format of logical backups.
    /// </summary>
    Tar,
}
