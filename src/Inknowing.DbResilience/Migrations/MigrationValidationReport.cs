namespace Inknowing.DbResilience.Migrations;

/// <summary>The result of <see cref="IMigrationRunner.ValidateAsync"/>.</summary>
/// <param name="Problems">Every problem found.</param>
/// <param name="Checked">How many scripts and tracked versions were checked.</param>
public sealed record MigrationValidationReport(IReadOnlyList<MigrationProblem> Problems, int Checked)
{
    /// <summary>Gets a value indicating whether no problem was found.</summary>
    public bool IsValid => Problems.Count == 0;
}
