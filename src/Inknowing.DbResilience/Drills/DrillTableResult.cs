namespace Inknowing.DbResilience.Drills;

/// <summary>The row count of one table: in the backup's manifest, and in the restored copy.</summary>
public sealed record DrillTableResult
{
    /// <summary>Gets the quoted table name, <c>"schema"."table"</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the row count the manifest recorded at dump time.</summary>
    public required long ExpectedRows { get; init; }

    /// <summary>Gets the row count of the restored copy, or <see langword="null"/> when the table is missing from it.</summary>
    public required long? RestoredRows { get; init; }

    /// <summary>Gets a value indicating whether the counts are equal.</summary>
    public bool Matches => RestoredRows == ExpectedRows;
}
