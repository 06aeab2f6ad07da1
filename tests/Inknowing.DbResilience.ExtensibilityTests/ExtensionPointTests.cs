using System.Text;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.ExtensibilityTests.Plugins;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.ExtensibilityTests;

/// <summary>
/// Each extension point plugged in with one builder call, from a project that sees only the packages' public API, and run
/// against a real PostgreSQL server. The plugins are registered before and after <c>UsePostgreSql</c>, whose built-in pg_dump
/// target and psql strategy would otherwise serve the same backups: the application's choice wins whatever the order.
/// </summary>
public sealed class ExtensionPointTests
{
    private string _database = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _database = await PostgreSqlServer.CreateDatabaseAsync("ext");
        await PostgreSqlServer.ExecuteAsync(_database, """
            CREATE SCHEMA app;
            CREATE TABLE app.notes (id int, body text);
            INSERT INTO app.notes SELECT g, 'note ' || g || CASE WHEN g = 3 THEN ' it''s quoted' ELSE '' END FROM generate_series(1, 40) g;
            """);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task CreateRestoreAndDrill_CustomStorageTargetAndStrategy_EachIsUsedInsteadOfTheBuiltInOne(bool pluginsFirst)
    {
        var storage = new MemoryStorageProvider("ext");
        var builder = new DbResilienceBuilder();
        if (!pluginsFirst)
        {
            builder.UsePostgreSql(_database);
        }

        builder.UseMemoryStorage(storage).UseBackupTarget<SqlScriptBackupTarget>().AddRestoreStrategy<SqlScriptRestoreStrategy>();
        if (pluginsFirst)
        {
            builder.UsePostgreSql(_database);
        }

        await using var host = builder
            .ConfigureBackups(o => { o.Format = BackupFormat.Plain; o.EnableCatalog = false; })
            .ConfigureDrills(o => o.RunIntegrityChecks = false)
            .Build();

        var backup = await host.GetRequiredService<IBackupService>().CreateAsync();

        backup.Manifest.Tool.Should().Be("sql-script");
        backup.Manifest.Tables.Should().ContainSingle().Which.Should().Be(new BackupTableRowCount { Schema = "app", Name = "notes", Rows = 40, DataIncluded = true });
        storage.Keys.Should().Contain($"backups/{backup.Manifest.Id}/data.sql").And.Contain($"backups/{backup.Manifest.Id}/manifest.json");
        Encoding.UTF8.GetString(storage.Read($"backups/{backup.Manifest.Id}/data.sql")).Should().Contain("'note 3 it''s quoted'");

        var target = "ext_restored_" + Guid.NewGuid().ToString("N")[..8];
        var restored = await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { BackupId = backup.Manifest.Id, TargetDatabase = target });

        restored.Strategy.Should().Be("sql-script-restore");
        (await PostgreSqlServer.ScalarAsync<long>(PostgreSqlServer.WithDatabase(target), "SELECT count(*) FROM app.notes WHERE body LIKE 'note %'")).Should().Be(40);

        var drill = await host.GetRequiredService<IDrillRunner>().RunAsync(backup.Manifest.Id);

        drill.Passed.Should().BeTrue(drill.FailureReason);
        drill.Steps.Single(s => s.Name == "restore").Details.Should().Contain("with sql-script-restore");
        drill.Tables.Should().ContainSingle().Which.RestoredRows.Should().Be(40);
    }

    [Test]
    public void Build_CustomStorageWithProblem_ReportsItWithTheOtherConfigurationProblems()
    {
        var builder = new DbResilienceBuilder().UseMemoryStorage(new MemoryStorageProvider(string.Empty)).ConfigureBackups(_ => { });

        var build = () => builder.Build();

        var errors = build.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().Contain("UseMemoryStorage(memory://): the name is empty: give the store a name.");
        errors.Should().Contain(e => e.Contains("UsePostgreSql(connectionString)", StringComparison.Ordinal));
    }

    [Test]
    public async Task MigrateAsync_CustomMigrationSource_AppliesItsScripts()
    {
        var database = await PostgreSqlServer.CreateDatabaseAsync("extmig");
        await using var host = new DbResilienceBuilder()
            .AddMigrationSource<InMemoryMigrationSource>()
            .UsePostgreSql(database)
            .Build();
        var runner = host.GetRequiredService<IMigrationRunner>();

        var result = await runner.MigrateAsync();

        result.Executions.Select(e => e.Key).Should().Equal("1", "2");
        (await PostgreSqlServer.ScalarAsync<string>(database, "SELECT body FROM notes WHERE id = 1")).Should().Be("from an in-memory source");
        (await runner.GetStatusAsync()).Should().HaveCount(2).And.OnlyContain(s => s.Status == MigrationState.Completed);
    }
}
