namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>How pg_basebackup compresses a base backup on the client (<c>--compress=client-…</c>).</summary>
public enum BaseBackupCompression
{
    /// <summary>LZ4: the fastest; about 2x smaller than the data. Stored as <c>base.tar.lz4</c>.</summary>
    Lz4,

    /// <summary>Zstandard: smaller than LZ4 at more CPU. Stored as <c>base.tar.zst</c>.</summary>
    Zstd,
}
