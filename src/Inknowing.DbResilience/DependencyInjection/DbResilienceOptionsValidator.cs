using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Checks <see cref="DbResilienceOptions"/> at start-up, naming the call that fixes each problem.</summary>
internal sealed partial class DbResilienceOptionsValidator : IValidateOptions<DbResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, DbResilienceOptions options)
        => options.Schema is { } schema && SchemaPattern().IsMatch(schema)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"The schema of the library's tables, '{options.Schema}', is not a plain identifier (a letter or underscore, then letters, digits or underscores, at most 63): "
                + $"call UseSchema(\"{DbResilienceOptions.DefaultSchema}\") or another such name (the CLI: --library-schema, or --schema on the migration verbs).");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
