using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Checks the configured storages at start-up: at least one, valid settings, no place configured twice.</summary>
internal sealed class StorageSetOptionsValidator : IValidateOptions<StorageSetOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageSetOptions options)
    {
        var errors = new List<string>();
        var all = options.All.ToList();
        if (all.Count == 0 && options.RequiredBy.Count > 0)
        {
            errors.Add(NoStorage(options.RequiredBy));
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

    /// <summary>Says that no storage is configured, which call needs one, and the calls that add one.</summary>
    /// <param name="requiredBy">The builder calls that need a storage; empty entries are ignored.</param>
    /// <returns>The message.</returns>
    public static string NoStorage(IEnumerable<string> requiredBy)
    {
        var needers = requiredBy.Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var need = needers.Count == 0 ? "backups and WAL archiving need one" : string.Join(" and ", needers) + " need" + (needers.Count == 1 ? "s" : "") + " one";
        return $"No storage is configured ({need}): call UseFileSystemStorage(path), UseS3Storage(o => ...) or UseStorage<T>() "
            + "(the CLI: --storage or DBRESILIENCE_STORAGE).";
    }
}
