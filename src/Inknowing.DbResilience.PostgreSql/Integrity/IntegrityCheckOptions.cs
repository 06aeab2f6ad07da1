namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>Options of the integrity checks.</summary>
public sealed class IntegrityCheckOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether B-tree indexes are verified with the amcheck extension (<c>bt_index_check</c>).
    /// This reads every B-tree index, so it costs I/O on a large database. The default value is <see langword="true"/>.
    /// </summary>
    public bool CheckBTreeIndexes { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the checker may run <c>CREATE EXTENSION amcheck</c> when the extension is
    /// available but not installed. When <see langword="false"/>, a missing extension is reported as a warning.
    /// The default value is <see langword="false"/>.
    /// </summary>
    public bool AllowCreateAmcheckExtension { get; set; }

    /// <summary>
    /// Gets or sets the replication lag (replay delay of a standby) above which the replication check warns.
    /// The default value is one minute.
    /// </summary>
    public TimeSpan MaxReplicationLag { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the timeout of each query of the checks. The default value is 30 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
