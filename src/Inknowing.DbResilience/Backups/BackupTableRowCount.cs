namespace Inknowing.DbResilience.Backups;

/// <summary>The number of rows of one table in the snapshot that the backup was taken from.</summary>
/// <param name="Schema">The schema.</param>
/// <param name="Name">The table (for a partitioned table, each partition is listed).</param>
/// <param name="Rows">The exact row count in the dump's snapshot.</param>
/// <param name="DataIncluded">Whether the table's rows are in the backup (false for schema-only dumps and excluded table data).</param>
public sealed record BackupTableRowCount(string Schema, string Name, long Rows, bool DataIncluded);
