using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// The keys of the bound configuration that could not be bound (unknown, or a value of the wrong type), reported at start
/// together with every options validation failure.
/// </summary>
internal sealed class ConfigurationProblems : IValidateOptions<DbResilienceOptions>
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Add(string error)
    {
        if (!_errors.Contains(error, StringComparer.Ordinal))
        {
            _errors.Add(error);
        }
    }

    public ValidateOptionsResult Validate(string? name, DbResilienceOptions options)
        => _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
