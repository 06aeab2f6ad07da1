namespace Inknowing.DbResilience.Migrations;

/// <summary>One problem that <c>validate</c> found.</summary>
/// <param name="Kind">What kind of problem it is.</param>
/// <param name="Version">The version or object concerned.</param>
/// <param name="Message">What is wrong and what to do about it.</param>
public sealed record MigrationProblem(MigrationProblemKind Kind, string Version, string Message);
