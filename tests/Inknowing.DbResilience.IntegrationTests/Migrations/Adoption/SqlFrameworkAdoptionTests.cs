using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

/// <summary>A database migrated by the applications' own SQL framework (apply_migration), adopted, then migrated and rolled back by the library.</summary>
[TestFixture]
public sealed class SqlFrameworkAdoptionTests
{
    [Test]
    public async Task AdoptAsync_FrameworkHistory_ImportsVersionsHistoryAndRollbackSqlThenTheLibraryCarriesOn()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await SqlMigrationFramework.InstallAndApplyAsync(context.ConnectionString, 3);
        await context.ExecuteAsync("SELECT public.rollback_migration('003')");
        SqlMigrationFramework.WriteFiles(context, 3);
        context.Write("R003__create_legacy_orders.sql", "DROP TABLE legacy_orders;");
        context.Write("V004__create_invoices.sql", "CREATE TABLE invoices (id int PRIMARY KEY, user_id int REFERENCES legacy_users (id));");
        context.Write("R004__create_invoices.sql", "DROP TABLE invoices;");
        var adopter = context.Adopter();
        var runner = context.Runner();

        var dry = await adopter.AdoptAsync(new MigrationAdoptionRequest { DryRun = true });
        var schemaAfterDryRun = await context.ScalarAsync<bool>("SELECT to_regnamespace('dbresilience') IS NOT NULL");
        var adopted = await adopter.AdoptAsync(new MigrationAdoptionRequest { From = MigrationHistoryFormat.SqlFramework });
        var statusAfterAdopt = await runner.GetStatusAsync();
        var migrated = await runner.MigrateAsync();
        var rolledBack = await runner.RollbackAsync(MigrationVersion.Parse("1"));

        dry.DryRun.Should().BeTrue();
        dry.SourceTable.Should().Be("public.schema_migrations");
        dry.Entries.Select(e => (e.Version, e.Match, e.Status, e.SourceKey)).Should().Equal(
            ("1", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.Completed, "001"),
            ("2", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.Completed, "002"),
            ("3", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.RolledBack, "003"),
            ("4", MigrationAdoptionMatch.NotInHistory, MigrationAdoptionStatus.Pending, null));
        schemaAfterDryRun.Should().BeFalse("a dry run changes nothing");
        adopted.DryRun.Should().BeFalse();
        adopted.VersionsRecorded.Should().Be(3);
        adopted.HistoryRowsRecorded.Should().Be(4, "three applies and one rollback were recorded by the framework");
        statusAfterAdopt.Select(s => (s.Version, s.Status)).Should().Equal(("1", MigrationState.Adopted), ("2", MigrationState.Adopted), ("3", MigrationState.RolledBack), ("4", MigrationState.Pending));
        (await context.ScalarAsync<bool>("""
            SELECT bool_and(d.applied_at = s.applied_at::timestamptz AND d.execution_time_ms = s.execution_time_ms AND d.checksum = s.checksum)
            FROM dbresilience.schema_migrations d JOIN public.schema_migrations s ON s.version::int = d.version::int
            WHERE d.version IN ('1', '2')
            """)).Should().BeTrue("applied times, execution times and checksums come from the framework's rows (3 was applied again since)");
        (await context.ScalarAsync<long>("SELECT count(*) FROM dbresilience.migration_history WHERE metadata ? 'adoptedFrom' AND metadata->>'sourceVersion' = '003'"))
            .Should().Be(2, "the framework's apply and rollback rows of 003 are kept as history");

        migrated.Executions.Select(e => e.Key).Should().Equal("3", "4");
        rolledBack.Executions.Select(e => (e.Key, e.Origin)).Should().Equal(
            ("4", Path.Combine(context.Directory, "R004__create_invoices.sql")),
            ("3", Path.Combine(context.Directory, "R003__create_legacy_orders.sql")),
            ("2", "stored rollback_sql of version 2"));
        (await context.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'legacy_users' AND column_name = 'email')"))
            .Should().BeFalse("version 2 was rolled back with the rollback SQL the framework stored");
        (await context.ScalarAsync<long>("SELECT count(*) FROM legacy_users")).Should().Be(50, "adopting and migrating never touched the data");
        (await context.ScalarAsync<string>("SELECT status FROM public.schema_migrations WHERE version = '002'")).Should().Be("completed", "the framework's tables are left in place");
        (await runner.GetStatusAsync()).Select(s => (s.Version, s.Status)).Should().Equal(("1", MigrationState.Adopted), ("2", MigrationState.RolledBack), ("3", MigrationState.RolledBack), ("4", MigrationState.RolledBack));
    }

    [Test]
    public async Task EveryVerb_FrameworkHistoryAndEmptyLibraryHistory_RefusesNamingItAndTheWaysForward()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await SqlMigrationFramework.InstallAndApplyAsync(context.ConnectionString, 1);
        SqlMigrationFramework.WriteFiles(context, 2);
        var runner = context.Runner();

        var verbs = new Func<Task>[]
        {
            () => runner.MigrateAsync(),
            () => runner.MigrateAsync(new MigrateRequest { DryRun = true }),
            () => runner.GetStatusAsync(),
            () => runner.ValidateAsync(),
            () => runner.RollbackAsync(MigrationVersion.Parse("0")),
        };

        foreach (var verb in verbs)
        {
            var refused = (await verb.Should().ThrowAsync<ForeignMigrationHistoryException>()).Which;
            refused.IsSchemaConflict.Should().BeFalse();
            refused.Histories.Should().ContainSingle().Which.Should().Match<ForeignMigrationHistory>(h =>
                h.Format == MigrationHistoryFormat.SqlFramework && h.QualifiedName == "public.schema_migrations" && h.Rows == 1);
            refused.Message.Should().Contain("The library's migration history (schema 'dbresilience') is empty")
                .And.Contain("public.schema_migrations (1 row) looks like a SQL migration framework's, written by its apply_migration/rollback_migration functions")
                .And.Contain("migrating now would apply again what that history says is applied")
                .And.Contain("dbresilience adopt --from sql-framework")
                .And.Contain("dbresilience baseline --version N")
                .And.Contain("MigrationOptions.IgnoreForeignHistories");
        }

        (await context.ScalarAsync<bool>("SELECT to_regnamespace('dbresilience') IS NOT NULL")).Should().BeFalse("nothing was created");
        (await context.ScalarAsync<long>("SELECT count(*) FROM public.migration_history")).Should().Be(1);
    }

    [Test]
    public async Task EveryVerb_LibrarySchemaHoldsFrameworkTables_RefusesAsSchemaConflictAndAdoptRenamesThemAside()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await SqlMigrationFramework.InstallAndApplyAsync(context.ConnectionString, 2);
        SqlMigrationFramework.WriteFiles(context, 3);
        var runner = context.Runner(schema: "public");
        var adopter = context.Adopter(schema: "public");
        await context.ExecuteAsync("CREATE TABLE public.schema_migrations_adopted (x int)");

        var status = (await runner.Invoking(r => r.GetStatusAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>()).Which;
        var migrate = await runner.Invoking(r => r.MigrateAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var inPlace = await adopter.Invoking(a => a.AdoptAsync()).Should().ThrowAsync<ForeignMigrationHistoryException>();
        var taken = await adopter.Invoking(a => a.AdoptAsync(new MigrationAdoptionRequest { RenameSource = true })).Should().ThrowAsync<MigrationException>();
        var stillTheFrameworks = await context.ScalarAsync<bool>("SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schema_migrations' AND column_name = 'kind')");
        await context.ExecuteAsync("DROP TABLE public.schema_migrations_adopted");
        var adopted = await adopter.AdoptAsync(new MigrationAdoptionRequest { RenameSource = true });
        var migrated = await runner.MigrateAsync();

        status.IsSchemaConflict.Should().BeTrue();
        status.Message.Should().Contain("Schema 'public' holds migration tables that are not this library's: public.schema_migrations (2 rows) looks like a SQL migration framework's")
            .And.Contain("no kind or script_origin column")
            .And.Contain("UseSchema(\"dbresilience\")")
            .And.Contain("dbresilience adopt --from sql-framework --rename-source");
        migrate.Which.IsSchemaConflict.Should().BeTrue();
        inPlace.Which.IsSchemaConflict.Should().BeTrue();
        taken.Which.Message.Should().Contain("public.schema_migrations_adopted already exists");
        stillTheFrameworks.Should().BeTrue("a refused adoption changes nothing");
        adopted.Notes.Should().Contain(n => n.Contains("Renamed aside in the same transaction: public.schema_migrations to schema_migrations_adopted, public.migration_history to migration_history_adopted", StringComparison.Ordinal));
        (await context.ScalarAsync<long>("SELECT count(*) FROM public.schema_migrations_adopted")).Should().Be(2);
        (await context.ScalarAsync<long>("SELECT count(*) FROM public.migration_history WHERE metadata->>'adoptedFrom' = 'public.schema_migrations'")).Should().Be(2);
        migrated.Executions.Select(e => e.Key).Should().Equal("3");
        (await runner.GetStatusAsync()).Select(s => s.Status).Should().Equal(MigrationState.Adopted, MigrationState.Adopted, MigrationState.Completed);
    }
}
