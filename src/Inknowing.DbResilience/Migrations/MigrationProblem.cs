namespace Inknowing.DbResilience.Migrations;

/// <summary>One problem that <c>validate</c> found.</summary>
public sealed record MigrationProblem
{
    /// <summary>Gets what kind of problem it is.</summary>
    public required MigrationProblemKind Kind { get; init; }

    /// <summary>Gets the version or object concerned.</summary>
    public required string Version { get; init; }

    /// <summary>Gets what is wrong and what to do about it.</summary>
    public required string Message { get; init; }
}
