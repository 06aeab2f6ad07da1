namespace Inknowing.DbResilience.Migrations;

/// <summary>The outcome of a migrate or rollback run.</summary>
public sealed record MigrationRunResult
{
    /// <summary>Gets what ran, in order (or, in a dry run, what would run).</summary>
    public required IReadOnlyList<MigrationExecution> Executions { get; init; }

    /// <summary>Gets a value indicating whether nothing was touched.</summary>
    public required bool DryRun { get; init; }

    /// <summary>Gets the wall-clock time of the run, lock wait included.</summary>
    public required TimeSpan Duration { get; init; }
}
