namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>The result of one integrity check.</summary>
public sealed record IntegrityCheckResult
{
    /// <summary>Gets the check's name, such as <c>orphaned_rows</c> or <c>invalid_indexes</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the outcome.</summary>
    public required IntegrityStatus Status { get; init; }

    /// <summary>Gets a one-line summary of what was found.</summary>
    public required string Summary { get; init; }

    /// <summary>Gets one line per finding (an orphaned foreign key, an invalid index, a lagging standby), empty when there is none.</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>Gets how long the check took.</summary>
    public TimeSpan Duration { get; init; }
}
