namespace Inknowing.DbResilience.Migrations;

/// <summary>Loads the <c>*.sql</c> scripts of a directory (not its subdirectories); other files are ignored.</summary>
public sealed class DirectoryMigrationSource : IMigrationSource
{
    /// <summary>Initializes a new instance of the <see cref="DirectoryMigrationSource"/> class.</summary>
    /// <param name="path">The directory.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is <see langword="null"/> or empty.</exception>
    public DirectoryMigrationSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>Gets the full path of the directory.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Description => "directory " + Path;

    /// <inheritdoc />
    public async Task<IReadOnlyList<MigrationScript>> LoadAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Path))
        {
            throw new DbResilienceConfigurationException(
                $"The migrations directory '{Path}' does not exist: create it or pass the directory that holds the V<version>__<name>.sql files.");
        }

        var scripts = new List<MigrationScript>();
        var errors = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path).Order(StringComparer.Ordinal))
        {
            var fileName = System.IO.Path.GetFileName(file);
            if (!MigrationFileName.IsSqlFile(fileName))
            {
                continue;
            }

            var sql = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            if (MigrationFileName.TryCreate(fileName, file, sql, out var script, out var error))
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
}
