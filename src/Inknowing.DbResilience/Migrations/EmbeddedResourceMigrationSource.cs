using System.Reflection;

namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Loads the <c>*.sql</c> embedded resources of an assembly whose names start with a prefix, such as
/// <c>MyApp.Migrations.V1__init.sql</c>. The file name is the part after the prefix. Scripts must be UTF-8 (a byte order mark
/// is allowed) and not empty, as for <see cref="DirectoryMigrationSource"/>.
/// </summary>
public sealed class EmbeddedResourceMigrationSource : IMigrationSource
{
    private readonly Assembly _assembly;
    private readonly string _prefix;

    /// <summary>Initializes a new instance of the <see cref="EmbeddedResourceMigrationSource"/> class.</summary>
    /// <param name="assembly">The assembly holding the scripts as embedded resources.</param>
    /// <param name="prefix">The resource-name prefix, such as <c>MyApp.Migrations.</c>; empty takes every <c>.sql</c> resource, whose file name is then the part after the last dot that precedes a V, R, S or A prefix.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public EmbeddedResourceMigrationSource(Assembly assembly, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        _assembly = assembly;
        _prefix = prefix;
    }

    /// <inheritdoc />
    public string Description => $"embedded resources '{_prefix}*.sql' of {_assembly.GetName().Name}";

    /// <inheritdoc />
    /// <exception cref="DbResilienceConfigurationException">
    /// A resource has a name that is not a migration's, is not UTF-8 or is empty (every such resource is listed).
    /// </exception>
    public async Task<IReadOnlyList<MigrationScript>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var scripts = new List<MigrationScript>();
        var errors = new List<string>();
        foreach (var resource in _assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            if (!resource.StartsWith(_prefix, StringComparison.Ordinal) || !MigrationFileName.IsSqlFile(resource))
            {
                continue;
            }

            string? sql;
            string? unreadable;
            var stream = _assembly.GetManifestResourceStream(resource)!;
            await using (stream.ConfigureAwait(false))
            {
                (sql, unreadable) = await MigrationScriptText.ReadAsync(stream, resource, cancellationToken).ConfigureAwait(false);
            }

            if (sql is null)
            {
                errors.Add(unreadable!);
                continue;
            }

            var fileName = FileNameOf(resource[_prefix.Length..]);
            if (MigrationFileName.TryCreate(fileName, resource, sql, out var script, out var error))
            {
                scripts.Add(script!);
            }
            else
            {
                errors.Add(error!);
            }
        }

        return errors.Count == 0 ? scripts : throw new DbResilienceConfigurationException(errors);
    }

    private static string FileNameOf(string name)
    {
        // "Db.Migrations.V1_2__init.sql": take the longest tail after a dot that parses as a script name.
        for (var i = 0; i < name.Length; i++)
        {
            if ((i == 0 || name[i - 1] == '.')
                && MigrationFileName.TryCreate(name[i..], name, string.Empty, out _, out _))
            {
                return name[i..];
            }
        }

        return name;
    }
}
