namespace Inknowing.DbResilience.Backups;

/// <summary>Compression applied by the pipeline on top of what the tool writes.</summary>
public enum BackupCompression
{
    /// <summary>No compression by the pipeline (the custom and directory formats are compressed by pg_dump itself).</summary>
    None,

    /// <summary>gzip (System.IO.Compression), for the plain and directory formats.</summary>
    Gzip,
}
