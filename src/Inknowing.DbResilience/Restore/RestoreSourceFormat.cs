namespace Inknowing.DbResilience.Restore;

/// <summary>How the bytes of a backup are laid out.</summary>
public enum RestoreSourceFormat
{
    /// <summary>pg_dump's custom format (<c>-Fc</c>), restored with pg_restore; selective and parallel restores work.</summary>
    Custom = 0,

    /// <summary>pg_dump's directory format (<c>-Fd</c>) packed as one tar stream; extracted to a local directory, then restored with pg_restore.</summary>
    DirectoryTar = 1,

    /// <summary>Plain SQL (<c>-Fp</c>), replayed with psql; only full restores.</summary>
    Plain = 2,

    /// <summary>A base backup (pg_basebackup's tar of a data directory), restored into a new data directory and rolled forward with archived WAL.</summary>
    BaseBackup = 3,
}
