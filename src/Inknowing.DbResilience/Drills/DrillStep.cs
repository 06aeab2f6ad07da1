namespace Inknowing.DbResilience.Drills;

/// <summary>One step of a recovery drill.</summary>
public sealed record DrillStep
{
    /// <summary>Gets the step's name, such as <c>select_backup</c>, <c>restore</c> or <c>compare_row_counts</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets a value indicating whether the step passed.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets how long the step took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets what the step found, in plain words.</summary>
    public required string Details { get; init; }
}
