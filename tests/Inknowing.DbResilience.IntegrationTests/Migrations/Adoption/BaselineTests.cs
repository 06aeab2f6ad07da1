using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

[TestFixture]
public sealed class BaselineTests
{
    [Test]
    public async Task BaselineAsync_DatabaseBuiltByHand_RecordsVersionsUpToTheBaselineAndMigrateAppliesOnlyLaterOnes()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await context.ExecuteAsync("CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id));");
        context.Write("V1__customers.sql", "CREATE TABLE customers (id int PRIMARY KEY);");
        context.Write("V2__orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id));");
        context.Write("V3__invoices.sql", "CREATE TABLE invoices (id int PRIMARY KEY, order_id int REFERENCES orders (id));");
        var adopter = context.Adopter();
        var runner = context.Runner();

        var dry = await adopter.BaselineAsync(MigrationVersion.Parse("2"), dryRun: true);
        var statusAfterDryRun = await runner.GetStatusAsync();
        var baseline = await adopter.BaselineAsync(MigrationVersion.Parse("2"));
        var again = await adopter.Invoking(a => a.BaselineAsync(MigrationVersion.Parse("3"))).Should().ThrowAsync<MigrationException>();
        var migrated = await runner.MigrateAsync();

        dry.Entries.Select(e => (e.Version, e.Match)).Should().Equal(
            ("1", MigrationAdoptionMatch.Baselined), ("2", MigrationAdoptionMatch.Baselined), ("3", MigrationAdoptionMatch.NotInHistory));
        statusAfterDryRun.Select(s => s.Status).Should().Equal(MigrationState.Pending, MigrationState.Pending, MigrationState.Pending);
        baseline.VersionsRecorded.Should().Be(2);
        again.Which.Message.Should().Contain("already has 2 row(s)");
        migrated.Executions.Select(e => e.Key).Should().Equal("3");
        (await runner.GetStatusAsync()).Select(s => s.Status).Should().Equal(MigrationState.Baselined, MigrationState.Baselined, MigrationState.Completed);
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history WHERE metadata->>'baseline' = '2' AND affected_rows = 0")).Should().Be(2);
    }

    [Test]
    public async Task BaselineAsync_NoFileUpToTheVersion_RefusesAndRecordsNothing()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V5__first.sql", "SELECT 1;");

        var refused = await context.Adopter().Invoking(a => a.BaselineAsync(MigrationVersion.Parse("4"))).Should().ThrowAsync<MigrationException>();

        refused.Which.Message.Should().Contain("no migration file has a version up to 4 (the first is 5)");
        (await context.ScalarAsync<bool>("SELECT to_regnamespace('dbresilience') IS NOT NULL")).Should().BeFalse();
    }
}
