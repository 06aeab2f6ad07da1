namespace Inknowing.DbResilience.Backups;

/// <summary>The number of rows of one table in the snapshot that the backup was taken from.</summary>
public sealed record BackupTableRowCount
{
    /// <summary>Gets the schema.</summary>
    public required string Schema { get; init; }

    /// <summary>Gets the table (for a partitioned table, each partition is listed).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the exact row count in the dump's snapshot.</summary>
    public required long Rows { get; init; }

    /// <summary>
    /// Gets a value indicating whether the table's rows are in the backup (false for schema-only dumps and excluded table
    /// data).
    /// </summary>
    public bool DataIncluded { get; init; }
}
