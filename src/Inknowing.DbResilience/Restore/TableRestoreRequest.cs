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

    /// <summary>Gets or sets the name of the new table for <see cref="TableRestoreMode.NewTable"/>, in the original table's schema.</summary>
    public string? NewTableName { get; set; }

    /// <summary>Gets or sets a value indicating whether only the plan is made, nothing changed. The default value is <see langword="false"/>.</summary>
    public bool DryRun { get; set; }
}
