using System.Text.Json;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class MigrationCliTests
{
    [Test]
    public async Task Cli_MigrateStatusValidateRollback_ReportAndExitAsDocumented()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("R1__a.sql", "DROP TABLE a;");
        context.Write("V2__b.sql", "CREATE TABLE b (id int);");
        context.Write("R2__b.sql", "DROP TABLE b;");
        var dir = context.Directory;

        var dry = await CliProcess.RunAsync(context.ConnectionString, "migrate", "--migrations", dir, "--dry-run");
        var migrate = await CliProcess.RunAsync(context.ConnectionString, "migrate", "--migrations", dir, "--target", "1");
        var status = await CliProcess.RunAsync(context.ConnectionString, "status", "--migrations", dir, "--json");
        context.Write("V1__a.sql", "CREATE TABLE a (id bigint);");
        var validate = await CliProcess.RunAsync(context.ConnectionString, "validate", "--migrations", dir);
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        var rollback = await CliProcess.RunAsync(context.ConnectionString, "rollback", "--migrations", dir, "--to", "0");
        var badName = await CliProcess.RunAsync(context.ConnectionString, "status", "--migrations", Path.Combine(dir, "missing"));

        dry.ExitCode.Should().Be(0, dry.Error);
        dry.Output.Should().Contain("CREATE TABLE b (id int);");
        migrate.ExitCode.Should().Be(0, migrate.Error);
        status.ExitCode.Should().Be(0, status.Error);
        var entries = JsonDocument.Parse(status.Output).RootElement.EnumerateArray().ToArray();
        entries.Select(e => (e.GetProperty("version").GetString(), e.GetProperty("status").GetString())).Should().Equal(("1", "completed"), ("2", "pending"));
        entries[0].GetProperty("checksum").GetString().Should().HaveLength(64);
        entries[0].GetProperty("appliedAt").ValueKind.Should().Be(JsonValueKind.String);
        entries[0].GetProperty("executionTimeMs").ValueKind.Should().Be(JsonValueKind.Number);
        validate.ExitCode.Should().Be(1);
        validate.Output.Should().Contain("ChecksumDrift");
        rollback.ExitCode.Should().Be(0, rollback.Error);
        rollback.Output.Should().Contain("rolled back");
        badName.ExitCode.Should().Be(2);
        badName.Error.Should().Contain("missing");
    }
}
