using Inknowing.DbResilience.IntegrationTests.Fixtures;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class FidelityMigrationTests
{
    // Every object of the fixture's schemas (public included): relations, functions, types, and every trigger.
    private const string CountObjects = """
        WITH fixture AS (SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'ext', 'shop', 'Mixed.Schema', 'archive', 'Ünïcode Schéma'))
        SELECT (SELECT count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM fixture))
             + (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM fixture))
             + (SELECT count(*) FROM pg_type WHERE typnamespace IN (SELECT oid FROM fixture))
             + (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)
        """;

    [Test]
    public async Task MigrateAsync_FidelitySchema_AppliesRollsBackAndAppliesAgain()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        var schema = await File.ReadAllTextAsync(FidelityFixture.SchemaFile);
        context.Write("V1__fidelity.sql", schema);
        context.Write("R1__fidelity.sql", """
            DROP SCHEMA "Ünïcode Schéma", archive, "Mixed.Schema", shop, ext, public CASCADE;
            CREATE SCHEMA public AUTHORIZATION pg_database_owner;
            GRANT USAGE ON SCHEMA public TO PUBLIC;
            """);
        context.Write("V2__after.sql", "INSERT INTO language (name) VALUES ('English'), ('Français');");
        context.Write("R2__after.sql", "DELETE FROM language;");
        var runner = context.Runner(schema: "dbr");

        var first = await runner.MigrateAsync();
        var objects = await context.ScalarAsync<long>(CountObjects);
        var rolledBack = await runner.RollbackAsync(MigrationVersion.Parse("0"));
        var emptied = await context.ScalarAsync<long>(CountObjects);
        var again = await runner.MigrateAsync();

        first.Executions.Select(e => e.Key).Should().Equal("1", "2");
        objects.Should().BeGreaterThan(200);
        (await context.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'payment_p2022_07'")).Should().Be(1);
        rolledBack.Executions.Select(e => e.Key).Should().Equal("2", "1");
        emptied.Should().Be(0);
        again.Executions.Select(e => e.Key).Should().Equal("1", "2");
        (await context.ScalarAsync<long>(CountObjects)).Should().Be(objects);
        (await context.ScalarAsync<string>("SELECT string_agg(name, ',' ORDER BY name) FROM public.language")).Should().Be("English,Français");
        (await runner.ValidateAsync()).IsValid.Should().BeTrue();
    }
}
