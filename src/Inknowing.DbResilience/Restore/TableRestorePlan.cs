namespace Inknowing.DbResilience.Restore;

/// <summary>What a table-level restore will do, made before anything changes.</summary>
public sealed record TableRestorePlan
{
    /// <summary>Gets the table restored from the backup.</summary>
    public required TableName Table { get; init; }

    /// <summary>Gets the live table that receives the rows (the original, or the new table).</summary>
    public required TableName TargetTable { get; init; }

    /// <summary>Gets the mode.</summary>
    public required TableRestoreMode Mode { get; init; }

    /// <summary>Gets the number of rows of the table in the backup (for a partitioned table or one restored with its children, of all of them).</summary>
    public required long RowsInBackup { get; init; }

    /// <summary>Gets the number of rows the live table has now (0 for a new table; for several tables, their sum).</summary>
    public required long RowsInLive { get; init; }

    /// <summary>
    /// Gets every table whose rows are restored, each with its row counts: the table itself, or each partition of a
    /// partitioned table, or an inheritance parent and its children when they are included.
    /// </summary>
    public IReadOnlyList<TableRestorePlanTable> Tables { get; init; } = [];

    /// <summary>Gets the foreign keys of other tables that reference the table; they are re-checked before commit.</summary>
    public IReadOnlyList<string> ReferencingForeignKeys { get; init; } = [];

    /// <summary>Gets the table's own foreign keys; they are re-checked before commit.</summary>
    public IReadOnlyList<string> OwnForeignKeys { get; init; } = [];

    /// <summary>Gets the columns copied from the backup.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>Gets the steps, in order, in plain words.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];
}
