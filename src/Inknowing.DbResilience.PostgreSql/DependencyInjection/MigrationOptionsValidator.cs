using Inknowing.DbResilience.PostgreSql.Migrations;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Checks <see cref="MigrationOptions"/> at start-up, naming the call that fixes each problem.</summary>
internal sealed class MigrationOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        var errors = new List<string>();
        if (options.Sources.Count == 0)
        {
            errors.Add("No migration source: call AddMigrations(m => m.FromDirectory(\"migrations\")) (or FromAssembly / FromCode); the CLI: --migrations DIR.");
        }

        if (options.LockTimeout <= TimeSpan.Zero)
        {
            errors.Add($"MigrationOptions.LockTimeout is {options.LockTimeout}: give it a positive time, such as TimeSpan.FromMinutes(5).");
        }

        if (options.CommandTimeout < TimeSpan.Zero)
        {
            errors.Add($"MigrationOptions.CommandTimeout is {options.CommandTimeout}: use TimeSpan.Zero for no limit or a positive time.");
        }

        if (options.BatchSize < 1)
        {
            errors.Add($"MigrationOptions.BatchSize is {options.BatchSize}: use 1 to send every script on its own, or more (the default is 50).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
