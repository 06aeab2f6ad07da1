using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Checks the configured storages at start-up: at least one, valid settings, no place configured twice.</summary>
internal sealed class StorageSetOptionsValidator : IValidateOptions<StorageSetOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageSetOptions options)
    {
        var errors = new List<string>();
        var all = options.All.ToList();
        if (all.Count == 0)
        {
            errors.Add("No storage is configured: call UseFileSystemStorage(path), UseS3Storage(o => ...) or UseStorage<T>() "
                + "(the CLI: --storage or DBRESILIENCE_STORAGE).");
        }

        foreach (var registration in all)
        {
            errors.AddRange(registration.Problems.Select(p => $"{registration.Call}: {p}"));
        }

        foreach (var duplicate in all.Where(r => r.Name is not null).GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"The storage '{duplicate.Key}' is configured twice ({string.Join(", ", duplicate.Select(r => r.Call))}): "
                + "each copy must go to a different place; remove one of the calls.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
