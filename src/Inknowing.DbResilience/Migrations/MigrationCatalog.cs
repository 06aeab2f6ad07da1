namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// The scripts of every source, checked and ordered: migrations by version with their rollbacks, seeds, repeatables.
/// A migration runner (the PostgreSQL package's, or another database's) plans from it.
/// </summary>
public sealed class MigrationCatalog
{
    private MigrationCatalog(
        IReadOnlyList<MigrationScript> migrations,
        IReadOnlyDictionary<MigrationVersion, MigrationScript> rollbacks,
        IReadOnlyList<MigrationScript> seeds,
        IReadOnlyList<MigrationScript> repeatables)
    {
        Migrations = migrations;
        Rollbacks = rollbacks;
        Seeds = seeds;
        Repeatables = repeatables;
    }

    /// <summary>Gets the versioned migrations in version order.</summary>
    public IReadOnlyList<MigrationScript> Migrations { get; }

    /// <summary>Gets the rollback script of each version that has one.</summary>
    public IReadOnlyDictionary<MigrationVersion, MigrationScript> Rollbacks { get; }

    /// <summary>Gets the seed scripts in version order.</summary>
    public IReadOnlyList<MigrationScript> Seeds { get; }

    /// <summary>Gets the repeatable scripts in name order.</summary>
    public IReadOnlyList<MigrationScript> Repeatables { get; }

    /// <summary>Loads every source and checks the whole set, reporting every problem at once.</summary>
    /// <param name="sources">The sources.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The checked catalog.</returns>
    /// <exception cref="DbResilienceConfigurationException">A name is unparsable, a version is duplicated, or a rollback or seed has no migration.</exception>
    public static async Task<MigrationCatalog> LoadAsync(IEnumerable<IMigrationSource> sources, CancellationToken cancellationToken)
    {
        var scripts = new List<MigrationScript>();
        var errors = new List<string>();
        foreach (var source in sources)
        {
            try
            {
                scripts.AddRange(await source.LoadAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (DbResilienceConfigurationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        if (errors.Count > 0)
        {
            throw new DbResilienceConfigurationException(errors);
        }

        return Create(scripts);
    }

    /// <summary>Checks and orders scripts.</summary>
    /// <param name="scripts">The scripts of every source.</param>
    /// <returns>The checked catalog.</returns>
    /// <exception cref="DbResilienceConfigurationException">A version is duplicated, or a rollback or seed has no migration.</exception>
    public static MigrationCatalog Create(IEnumerable<MigrationScript> scripts)
    {
        var errors = new List<string>();
        var byKind = scripts.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.ToList());
        List<MigrationScript> Of(MigrationKind kind) => byKind.TryGetValue(kind, out var list) ? list : new List<MigrationScript>();

        foreach (var duplicate in scripts.GroupBy(s => (s.Kind, s.TrackingKey)).Where(g => g.Count() > 1))
        {
            var what = duplicate.Key.Kind == MigrationKind.Repeatable ? $"repeatable name '{duplicate.First().Name}'" : $"{duplicate.Key.Kind} version {duplicate.First().Version}";
            errors.Add($"Duplicate {what}: {string.Join(", ", duplicate.Select(s => "'" + s.Origin + "'"))}; give each script its own version (V001 and V1 are the same version).");
        }

        var versions = Of(MigrationKind.Versioned).Select(s => s.Version!.Value).ToHashSet();
        foreach (var orphan in Of(MigrationKind.Rollback).Concat(Of(MigrationKind.Seed)).Where(s => !versions.Contains(s.Version!.Value)))
        {
            errors.Add($"'{orphan.Origin}' is a {(orphan.Kind == MigrationKind.Rollback ? "rollback" : "seed")} for version {orphan.Version}, but there is no migration V{orphan.Version}__*.sql: add the migration or rename the file to the version it belongs to.");
        }

        if (errors.Count > 0)
        {
            throw new DbResilienceConfigurationException(errors);
        }

        return new MigrationCatalog(
            Of(MigrationKind.Versioned).OrderBy(s => s.Version!.Value).ToArray(),
            Of(MigrationKind.Rollback).ToDictionary(s => s.Version!.Value),
            Of(MigrationKind.Seed).OrderBy(s => s.Version!.Value).ToArray(),
            Of(MigrationKind.Repeatable).OrderBy(s => s.Name, StringComparer.Ordinal).ToArray());
    }
}
