namespace Inknowing.DbResilience.Migrations;

/// <summary>The result of <see cref="IMigrationRunner.ValidateAsync"/>.</summary>
public sealed record MigrationValidationReport
{
    /// <summary>Gets every problem found.</summary>
    public required IReadOnlyList<MigrationProblem> Problems { get; init; }

    /// <summary>Gets how many scripts and tracked versions were checked.</summary>
    public required int Checked { get; init; }

    /// <summary>Gets a value indicating whether no problem was found.</summary>
    public bool IsValid => Problems.Count == 0;
}
