namespace Inknowing.DbResilience.Restore;

/// <summary>Which table to bring back from a backup, and how.</summary>
public sealed class TableRestoreRequest
{
    /// <summary>Gets or sets the backup to restore from: an id, or <c>latest</c>. The default value is <c>latest</c>.</summary>
    public string BackupId { get; set; } = "latest";

    /// <summary>Gets or sets the table to restore. Required.</summary>
    public TableName Table { get; set; }

    /// <summary>Gets or sets how rows are brought into the live database. The default value is <see cref="TableRestoreMode.Replace"/>.</summary>
    public TableRestoreMode Mode { get; set; }

    /// <summary>
    /// Gets or sets the name of the new table for <see cref="TableRestoreMode.NewTable"/>, exactly as spelled (not parsed),
    /// in the original table's schema. <see cref="NewTable"/> wins when both are set.
    /// </summary>
    public string? NewTableName { get; set; }

    /// <summary>
    /// Gets or sets the new table for <see cref="TableRestoreMode.NewTable"/>, schema-qualified: it may live in another
    /// schema than the original (which must exist). Parse what a user typed with <see cref="TableName.Parse(string, string)"/>.
    /// </summary>
    public TableName? NewTable { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an inheritance parent is restored together with every table that inherits
    /// from it, each with its own rows. Without it only the parent's own rows are touched (<c>ONLY</c>), and its children
    /// are left as they are. A partitioned table always brings back all its partitions. The default value is <see langword="false"/>.
    /// </summary>
    public bool IncludeChildren { get; set; }

    /// <summary>Gets or sets a value indicating whether only the plan is made, nothing changed. The default value is <see langword="false"/>.</summary>
    public bool DryRun { get; set; }
}
