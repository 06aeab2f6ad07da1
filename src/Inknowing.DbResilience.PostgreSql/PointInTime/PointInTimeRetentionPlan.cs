namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What base backup and WAL retention keeps and removes, with the reason; a dry run until applied.</summary>
public sealed record PointInTimeRetentionPlan
{
    /// <summary>Gets the ids of the base backups kept.</summary>
    public required IReadOnlyList<string> KeptBaseBackups { get; init; }

    /// <summary>Gets the ids of the base backups removed.</summary>
    public required IReadOnlyList<string> RemovedBaseBackups { get; init; }

    /// <summary>Gets the storage keys of the WAL files removed: only those older than every kept base backup's start.</summary>
    public required IReadOnlyList<string> RemovedWalFiles { get; init; }

    /// <summary>Gets the oldest WAL segment a kept base backup needs; nothing from it on is removed.</summary>
    public string? OldestNeededSegment { get; init; }

    /// <summary>Gets why the plan is what it is.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets a value indicating whether the plan was carried out.</summary>
    public bool Applied { get; init; }
}
