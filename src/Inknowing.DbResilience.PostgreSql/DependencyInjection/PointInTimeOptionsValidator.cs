using System.Text.RegularExpressions;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Checks <see cref="PointInTimeOptions"/> at start-up, naming the setting that fixes each problem.</summary>
internal sealed partial class PointInTimeOptionsValidator : IValidateOptions<PointInTimeOptions>
{
    public ValidateOptionsResult Validate(string? name, PointInTimeOptions options)
    {
        var errors = new List<string>();
        if (options.FetchParallelism is < 1 or > 64)
        {
            errors.Add($"PointInTimeOptions.FetchParallelism is {options.FetchParallelism}: use 1 to 64 in EnablePointInTimeRecovery(o => ...).");
        }

        if (options.PartialFlushInterval <= TimeSpan.Zero)
        {
            errors.Add($"PointInTimeOptions.PartialFlushInterval is {options.PartialFlushInterval}: use a positive interval such as 1 second.");
        }

        if (options.RecoveryTimeout <= TimeSpan.Zero)
        {
            errors.Add($"PointInTimeOptions.RecoveryTimeout is {options.RecoveryTimeout}: use a positive duration such as 30 minutes.");
        }

        if (string.IsNullOrEmpty(options.SlotName) || !SlotPattern().IsMatch(options.SlotName))
        {
            errors.Add($"PointInTimeOptions.SlotName '{options.SlotName}' is not a valid replication slot name: lowercase letters, digits and underscores, at most 63.");
        }

        if (!Enum.IsDefined(options.Compression))
        {
            errors.Add($"PointInTimeOptions.Compression {options.Compression} is unknown: use Lz4 or Zstd.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlotPattern();
}
