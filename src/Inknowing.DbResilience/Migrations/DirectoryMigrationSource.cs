namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Loads the <c>*.sql</c> scripts of a directory (not its subdirectories); other files are ignored. Scripts must be UTF-8
/// (a byte order mark is allowed): a file in another encoding is refused rather than run with its characters replaced, and an
/// empty file (or one of blanks only) is refused rather than recorded as applied.
/// </summary>
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
    /// <exception cref="DbResilienceConfigurationException">
    /// The directory does not exist, or a file has a name that is not a migration's, is not UTF-8 or is empty (every such file is listed).
    /// </exception>
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

            string? sql;
            string? unreadable;
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                (sql, unreadable) = await MigrationScriptText.ReadAsync(stream, file, cancellationToken).ConfigureAwait(false);
            }

            if (sql is null)
            {
                errors.Add(unreadable!);
                continue;
            }

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
