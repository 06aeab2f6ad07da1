namespace Inknowing.DbResilience.Migrations;

/// <summary>The outcome of a migrate or rollback run.</summary>
/// <param name="Executions">What ran, in order (or, in a dry run, what would run).</param>
/// <param name="DryRun">Whether nothing was touched.</param>
/// <param name="Duration">The wall-clock time of the run, lock wait included.</param>
public sealed record MigrationRunResult(IReadOnlyList<MigrationExecution> Executions, bool DryRun, TimeSpan Duration);
