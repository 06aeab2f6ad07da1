using DbUp;
using Inknowing.DbResilience.Migrations;
using Microsoft.EntityFrameworkCore;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

/// <summary>Histories written by the real tools (DbUp, EF Core) or in Flyway's documented layout, adopted, then carried on by the library.</summary>
[TestFixture]
public sealed class ToolHistoryAdoptionTests
{
    private const string Users = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);";
    private const string Email = "ALTER TABLE users ADD COLUMN email text;";

    [Test]
    public async Task AdoptAsync_DbUpJournalOfRealScripts_MapsScriptNamesToVersionsAndMigrateAppliesOnlyTheNewOne()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        var upgrade = DeployChanges.To.PostgresqlDatabase(context.ConnectionString)
            .WithScripts(new DbUp.Engine.SqlScript("0001_create_users.sql", Users), new DbUp.Engine.SqlScript("0002_add_email.sql", Email))
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        upgrade.Successful.Should().BeTrue(upgrade.Error?.ToString());
        context.Write("V1__create_users.sql", Users);
        context.Write("V2__add_email.sql", Email);
        context.Write("V3__create_orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));");
        var runner = context.Runner();

        var refused = await runner.Invoking(r => r.ValidateAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var adopted = await context.Adopter().AdoptAsync();
        var migrated = await runner.MigrateAsync();

        refused.Which.Message.Should().Contain("public.schemaversions (2 rows) looks like DbUp's journal").And.Contain("adopt --from dbup");
        adopted.From.Should().Be(MigrationHistoryFormat.DbUp);
        adopted.Entries.Select(e => (e.Version, e.Match, e.SourceKey)).Should().Equal(
            ("1", MigrationAdoptionMatch.Rebased, "0001_create_users.sql"),
            ("2", MigrationAdoptionMatch.Rebased, "0002_add_email.sql"),
            ("3", MigrationAdoptionMatch.NotInHistory, null));
        adopted.Notes.Should().Contain(n => n.Contains("DbUp keeps no checksum", StringComparison.Ordinal));
        migrated.Executions.Select(e => e.Key).Should().Equal("3");
        (await runner.GetStatusAsync()).Select(s => s.Status).Should().Equal(MigrationState.Adopted, MigrationState.Adopted, MigrationState.Completed);
        (await runner.ValidateAsync()).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task AdoptAsync_EfCoreHistoryOfRealMigrations_MapsMigrationIdsAndMigrateAppliesOnlyTheNewOne()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await using (var shop = new ShopContext(context.ConnectionString))
        {
            await shop.Database.MigrateAsync();
        }

        context.Write("V20240101120000__CreateProducts.sql", CreateProducts.Sql);
        context.Write("V20240201090000__AddPrice.sql", AddPrice.Sql);
        context.Write("V20240301000000__CreateOrders.sql", "CREATE TABLE orders (id int PRIMARY KEY, product_id int REFERENCES products (id));");
        var runner = context.Runner();

        var refused = await runner.Invoking(r => r.MigrateAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var dry = await context.Adopter().AdoptAsync(new MigrationAdoptionRequest { From = MigrationHistoryFormat.EntityFrameworkCore, DryRun = true });
        var adopted = await context.Adopter().AdoptAsync(new MigrationAdoptionRequest { From = MigrationHistoryFormat.EntityFrameworkCore });
        var migrated = await runner.MigrateAsync();

        refused.Which.Message.Should().Contain("public.\"__EFMigrationsHistory\" (2 rows) looks like Entity Framework Core's migrations history").And.Contain("adopt --from efcore");
        dry.Entries.Should().BeEquivalentTo(adopted.Entries, o => o.WithStrictOrdering());
        adopted.Entries.Select(e => (e.Version, e.Match, e.SourceKey)).Should().Equal(
            ("20240101120000", MigrationAdoptionMatch.Rebased, "20240101120000_CreateProducts"),
            ("20240201090000", MigrationAdoptionMatch.Rebased, "20240201090000_AddPrice"),
            ("20240301000000", MigrationAdoptionMatch.NotInHistory, null));
        migrated.Executions.Select(e => e.Key).Should().Equal("20240301000000");
        (await context.ScalarAsync<long>("SELECT count(*) FROM public.\"__EFMigrationsHistory\"")).Should().Be(2, "EF Core's table is left in place");
    }

    [Test]
    public async Task AdoptAsync_FlywayHistory_RebasesChecksumsRetriesTheFailedVersionAndReappliesRepeatablesOnce()
    {
        await using var context = await MigrationTestContext.CreateAsync();

        // Flyway's documented layout of flyway_schema_history, with what Flyway would have written and done.
        await context.ExecuteAsync($"""
            CREATE TABLE public.flyway_schema_history (
                installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL,
                script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(),
                execution_time INT NOT NULL, success BOOLEAN NOT NULL);
            CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history (success);
            INSERT INTO public.flyway_schema_history VALUES
                (1, '1', 'create users', 'SQL', 'V1__create_users.sql', 1849572741, 'app', '2024-03-01 10:00:00', 14, true),
                (2, '2', 'add email', 'SQL', 'V2__add_email.sql', -902813011, 'app', '2024-03-02 10:00:00', 9, true),
                (3, NULL, 'user names', 'SQL', 'R__user_names.sql', 12345, 'app', '2024-03-02 10:00:01', 3, true),
                (4, '3', 'create orders', 'SQL', 'V3__create_orders.sql', 555, 'app', '2024-03-03 10:00:00', 5, false);
            {Users}
            {Email}
            CREATE VIEW user_names AS SELECT name FROM users;
            """);
        context.Write("V1__create_users.sql", Users);
        context.Write("V2__add_email.sql", Email);
        context.Write("V3__create_orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));");
        context.Write("A__user_names.sql", "CREATE OR REPLACE VIEW user_names AS SELECT name, email FROM users;");
        var runner = context.Runner();

        var refused = await runner.Invoking(r => r.RollbackAsync(MigrationVersion.Parse("0"))).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var adopted = await context.Adopter().AdoptAsync(new MigrationAdoptionRequest { From = MigrationHistoryFormat.Flyway, SourceSchema = "public" });
        var statusAfterAdopt = await runner.GetStatusAsync();
        var migrated = await runner.MigrateAsync();

        refused.Which.Message.Should().Contain("public.flyway_schema_history (4 rows) looks like Flyway's schema history").And.Contain("adopt --from flyway");
        adopted.Entries.Select(e => (e.Version, e.Match, e.Status)).Should().Equal(
            ("1", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Completed),
            ("2", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Completed),
            ("3", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Failed),
            ("A:user_names", MigrationAdoptionMatch.ChecksumDiffers, MigrationAdoptionStatus.Completed));
        adopted.Entries[0].AppliedAt.Should().NotBeNull();
        adopted.Entries[0].ExecutionTimeMs.Should().Be(14);
        adopted.Notes.Should().Contain(n => n.StartsWith("Checksums re-based: Flyway's checksums are CRC32", StringComparison.Ordinal));
        statusAfterAdopt.Select(s => (s.Version, s.Status)).Should().Equal(("1", MigrationState.Adopted), ("2", MigrationState.Adopted), ("3", MigrationState.Failed), ("A:user_names", MigrationState.Pending));
        migrated.Executions.Select(e => e.Key).Should().Equal("3", "A:user_names");
        (await runner.MigrateAsync()).Executions.Should().BeEmpty("the repeatable is re-applied once, then tracked by its SHA-256");
        (await context.ScalarAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'user_names'")).Should().Be(2);
    }

    [Test]
    public async Task MigrateAsync_ForeignHistoryOfAnotherApplicationIgnored_AppliesEverything()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await context.ExecuteAsync("""
            CREATE TABLE public.schemaversions (schemaversionsid serial PRIMARY KEY, scriptname varchar(255) NOT NULL, applied timestamp NOT NULL);
            INSERT INTO public.schemaversions (scriptname, applied) VALUES ('Other.App.0001_reports.sql', now());
            """);
        context.Write("V1__create_users.sql", Users);

        var result = await context.Runner(m => m.IgnoreForeignHistories = true).MigrateAsync();

        result.Executions.Select(e => e.Key).Should().Equal("1");
        (await context.Runner().GetStatusAsync()).Single().Status.Should().Be(MigrationState.Completed, "once the library has a history of its own, the other one no longer stops it");
    }

    [Test]
    public async Task GetStatusAsync_OtherLayoutsInTheLibrarysPlaces_RefuseNamingWhoseTheyLookLike()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await context.ExecuteAsync("CREATE SCHEMA app; CREATE TABLE app.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO app.schema_migrations VALUES (3, false);");
        context.Write("V1__create_users.sql", Users);
        await context.Runner(m => m.IgnoreForeignHistories = true, schema: "public").MigrateAsync();

        var golang = await context.Runner(schema: "app").Invoking(r => r.GetStatusAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var oldDefault = await context.Runner().Invoking(r => r.GetStatusAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var detected = await context.Adopter(schema: "app").DetectAsync();

        golang.Which.IsSchemaConflict.Should().BeTrue();
        golang.Which.Message.Should().Contain("app.schema_migrations (1 row) looks like golang-migrate's (columns version, dirty)").And.Contain("UseSchema(\"dbresilience\")");
        oldDefault.Which.IsSchemaConflict.Should().BeFalse();
        oldDefault.Which.Message.Should().Contain("public.schema_migrations is this library's own history in schema 'public'").And.Contain("UseSchema(\"public\")");
        detected.Select(d => (d.QualifiedName, d.Format, d.Rows)).Should().Equal(
            ("app.schema_migrations", MigrationHistoryFormat.GolangMigrate, 1L), ("public.schema_migrations", MigrationHistoryFormat.DbResilience, 1L));
    }
}
