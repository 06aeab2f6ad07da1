namespace Inknowing.DbResilience.Restore;

/// <summary>One table whose rows a table-level restore brings back: a plain table, a partition or an inheritance child.</summary>
public sealed record TableRestorePlanTable
{
    /// <summary>Gets the table in the backup (and, except for a new table, in the live database).</summary>
    public required TableName Table { get; init; }

    /// <summary>Gets how the table relates to the restored one: the table itself, a partition or an inheritance child.</summary>
    public required TableRestorePlanTableRole Role { get; init; }

    /// <summary>Gets the rows the backup holds for this table alone, as restored from its dump.</summary>
    public required long RowsInBackup { get; init; }

    /// <summary>
    /// Gets the rows the backup's manifest recorded for this table when the backup was taken, or <see langword="null"/>
    /// when the manifest has no row counts. Rows are only inserted when the two agree.
    /// </summary>
    public long? RowsInManifest { get; init; }

    /// <summary>Gets the rows the live table holds now, for this table alone (0 for a new table).</summary>
    public required long RowsInLive { get; init; }
}
