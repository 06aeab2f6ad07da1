namespace Inknowing.DbResilience.Restore;

/// <summary>What a table-level restore did.</summary>
public sealed record TableRestoreResult
{
    /// <summary>Gets the backup the rows came from.</summary>
    public required string BackupId { get; init; }

    /// <summary>Gets the plan that was made first.</summary>
    public required TableRestorePlan Plan { get; init; }

    /// <summary>Gets a value indicating whether the plan was carried out (false for a dry run).</summary>
    public required bool Executed { get; init; }

    /// <summary>Gets the number of live rows deleted (replace mode).</summary>
    public long RowsDeleted { get; init; }

    /// <summary>Gets the number of rows inserted into the target table.</summary>
    public long RowsInserted { get; init; }

    /// <summary>Gets the number of backup rows skipped because their key already existed (append mode).</summary>
    public long RowsSkipped { get; init; }

    /// <summary>Gets how long the whole operation took, scratch restore included.</summary>
    public required TimeSpan Duration { get; init; }
}
