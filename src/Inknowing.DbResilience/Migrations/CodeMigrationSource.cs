namespace Inknowing.DbResilience.Migrations;

/// <summary>Migrations defined in code, for example <c>new CodeMigrationSource().Add("1", "create_orders", "CREATE TABLE ...", "DROP TABLE ...")</c>.</summary>
public sealed class CodeMigrationSource : IMigrationSource
{
    private readonly List<MigrationScript> _scripts = new();

    /// <inheritdoc />
    public string Description => "code";

    /// <summary>Adds a versioned migration and, optionally, its rollback.</summary>
    /// <param name="version">The version, such as <c>12</c> or <c>1_2</c>.</param>
    /// <param name="name">The descriptive name.</param>
    /// <param name="sql">The SQL that applies it.</param>
    /// <param name="rollbackSql">The SQL that undoes it, or <see langword="null"/>.</param>
    /// <returns>This source.</returns>
    /// <exception cref="ArgumentNullException">A required argument is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="version"/> is not a version.</exception>
    public CodeMigrationSource Add(string version, string name, string sql, string? rollbackSql = null)
    {
        var parsed = MigrationVersion.Parse(version);
        _scripts.Add(new MigrationScript(MigrationKind.Versioned, parsed, name, $"code V{version}__{name}", sql));
        if (rollbackSql is not null)
        {
            _scripts.Add(new MigrationScript(MigrationKind.Rollback, parsed, name, $"code R{version}__{name}", rollbackSql));
        }

        return this;
    }

    /// <summary>Adds a seed script for a version.</summary>
    /// <param name="version">The version of the migration it belongs to.</param>
    /// <param name="name">The descriptive name.</param>
    /// <param name="sql">The SQL that inserts the data.</param>
    /// <returns>This source.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="version"/> is not a version.</exception>
    public CodeMigrationSource AddSeed(string version, string name, string sql)
    {
        _scripts.Add(new MigrationScript(MigrationKind.Seed, MigrationVersion.Parse(version), name, $"code S{version}__{name}", sql));
        return this;
    }

    /// <summary>Adds a repeatable script, re-applied whenever its SQL changes.</summary>
    /// <param name="name">The name, unique among repeatable scripts.</param>
    /// <param name="sql">The SQL, such as <c>CREATE OR REPLACE VIEW ...</c>.</param>
    /// <returns>This source.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public CodeMigrationSource AddRepeatable(string name, string sql)
    {
        _scripts.Add(new MigrationScript(MigrationKind.Repeatable, null, name, $"code A__{name}", sql));
        return this;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MigrationScript>> LoadAsync(CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<MigrationScript>>(_scripts.ToArray());
}
