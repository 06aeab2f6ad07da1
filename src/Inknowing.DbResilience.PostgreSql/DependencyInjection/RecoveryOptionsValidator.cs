using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.Restore;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Validates the restore, drill and integrity options, naming the call that fixes each problem.</summary>
internal sealed class RecoveryOptionsValidator : IValidateOptions<RestoreOptions>, IValidateOptions<DrillOptions>, IValidateOptions<IntegrityCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, RestoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.MaintenanceDatabase))
        {
            failures.Add("RestoreOptions.MaintenanceDatabase is empty: set it in ConfigureRestores(o => o.MaintenanceDatabase = \"postgres\").");
        }

        if (string.IsNullOrWhiteSpace(options.ScratchDatabasePrefix) || options.ScratchDatabasePrefix.Length > 40)
        {
            failures.Add("RestoreOptions.ScratchDatabasePrefix must be 1 to 40 characters: set it in ConfigureRestores(...).");
        }

        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, DrillOptions options)
    {
        var failures = new List<string>();
        if (options.MaxBackupAge <= TimeSpan.Zero)
        {
            failures.Add($"DrillOptions.MaxBackupAge must be positive, not {options.MaxBackupAge}: set it in ConfigureDrills(o => o.MaxBackupAge = TimeSpan.FromHours(24)).");
        }

        if (options.RtoObjective <= TimeSpan.Zero)
        {
            failures.Add($"DrillOptions.RtoObjective must be positive, not {options.RtoObjective}: set it in ConfigureDrills(o => o.RtoObjective = TimeSpan.FromHours(1)).");
        }

        if (options.Jobs < 1)
        {
            failures.Add($"DrillOptions.Jobs must be 1 or more, not {options.Jobs}: set it in ConfigureDrills(...).");
        }

        if (options.SmokeQueries.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("DrillOptions.SmokeQueries contains an empty query: remove it in ConfigureDrills(...).");
        }

        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, IntegrityCheckOptions options)
        => options.MaxReplicationLag < TimeSpan.Zero || options.CommandTimeout <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail("IntegrityCheckOptions.MaxReplicationLag must not be negative and CommandTimeout must be positive: set them in ConfigureIntegrityChecks(...).")
            : ValidateOptionsResult.Success;

    private static ValidateOptionsResult Result(List<string> failures)
        => failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
