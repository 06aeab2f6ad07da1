using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Health;

/// <summary>Checks the health thresholds at start, every problem at once, each naming its configuration key.</summary>
internal sealed class DbResilienceHealthOptionsValidator : IValidateOptions<DbResilienceHealthOptions>
{
    public ValidateOptionsResult Validate(string? name, DbResilienceHealthOptions options)
    {
        var problems = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"DbResilience:HealthChecks:{key} is {value}: give a positive duration.");
            }
        }

        Positive(nameof(options.BackupDegradedAfter), options.BackupDegradedAfter);
        Positive(nameof(options.BackupUnhealthyAfter), options.BackupUnhealthyAfter);
        Positive(nameof(options.VerificationDegradedAfter), options.VerificationDegradedAfter);
        Positive(nameof(options.DrillDegradedAfter), options.DrillDegradedAfter);
        Positive(nameof(options.IntegrityDegradedAfter), options.IntegrityDegradedAfter);
        Positive(nameof(options.ArchiveLagDegradedAfter), options.ArchiveLagDegradedAfter);
        if (options.BackupUnhealthyAfter < options.BackupDegradedAfter)
        {
            problems.Add($"DbResilience:HealthChecks:BackupUnhealthyAfter ({options.BackupUnhealthyAfter}) is shorter than BackupDegradedAfter ({options.BackupDegradedAfter}): Unhealthy comes after Degraded.");
        }

        foreach (var (tier, limits) in options.Tiers)
        {
            if (limits.UnhealthyAfter < limits.DegradedAfter || limits.DegradedAfter <= TimeSpan.Zero)
            {
                problems.Add($"DbResilience:HealthChecks:Tiers:{tier}: DegradedAfter ({limits.DegradedAfter}) must be positive and no longer than UnhealthyAfter ({limits.UnhealthyAfter}).");
            }
        }

        if (options.ReceiverLagDegradedBytes <= 0)
        {
            problems.Add($"DbResilience:HealthChecks:ReceiverLagDegradedBytes is {options.ReceiverLagDegradedBytes}: give a positive number of bytes.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
