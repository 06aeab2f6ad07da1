using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class PagilaMigrationTests
{
    private const string CountObjects = """
        SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
             + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public')
             + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public')
             + (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)
        """;

    [Test]
    public async Task MigrateAsync_PagilaSchema_AppliesRollsBackAndAppliesAgain()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        var pagila = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Shared, "fixtures", "pagila", "pagila-schema.sql"));
        context.Write("V1__pagila.sql", pagila);
        context.Write("R1__pagila.sql", """
            DROP SCHEMA public CASCADE;
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
