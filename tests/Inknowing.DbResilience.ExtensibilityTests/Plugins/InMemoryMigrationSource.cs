using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.ExtensibilityTests.Plugins;

/// <summary>A third party's migration source: scripts kept in code, constructed from the container (it takes the clock to show that).</summary>
public sealed class InMemoryMigrationSource(TimeProvider clock) : IMigrationSource
{
    public string Description => $"in-memory scripts (loaded at {clock.GetUtcNow():O})";

    public Task<IReadOnlyList<MigrationScript>> LoadAsync(CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<MigrationScript>>(
        [
            new MigrationScript(MigrationKind.Versioned, MigrationVersion.Parse("1"), "create notes", "memory:V1", "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);"),
            new MigrationScript(MigrationKind.Versioned, MigrationVersion.Parse("2"), "seed notes", "memory:V2", "INSERT INTO notes VALUES (1, 'from an in-memory source');"),
        ]);
}
