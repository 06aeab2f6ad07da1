using System.Text.Json;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

/// <summary>The CLI's adopt and baseline verbs, its refusals and exit codes, and adopt racing migrate from another process.</summary>
[TestFixture]
public sealed class AdoptionCliTests
{
    [Test]
    public async Task Cli_FrameworkDatabase_RefusesThenAdoptsAndStatusExitCodeTellsPendingFromFailed()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await SqlMigrationFramework.InstallAndApplyAsync(context.ConnectionString, 2);
        SqlMigrationFramework.WriteFiles(context, 3);
        var cs = context.ConnectionString;
        var dir = context.Directory;

        var migrate = await CliProcess.RunAsync(cs, "migrate", "--migrations", dir);
        var conflict = await CliProcess.RunAsync(cs, "status", "--migrations", dir, "--schema", "public");
        var badFrom = await CliProcess.RunAsync(cs, "adopt", "--migrations", dir, "--from", "liquibase");
        var dry = await CliProcess.RunAsync(cs, "adopt", "--migrations", dir, "--dry-run", "--json");
        var adopt = await CliProcess.RunAsync(cs, "adopt", "--migrations", dir, "--from", "sql-framework");
        var pending = await CliProcess.RunAsync(cs, "status", "--migrations", dir, "--exit-code");
        var applied = await CliProcess.RunAsync(cs, "migrate", "--migrations", dir);
        var upToDate = await CliProcess.RunAsync(cs, "status", "--migrations", dir, "--exit-code");
        context.Write("V004__broken.sql", "SELECT * FROM missing_table;");
        var broken = await CliProcess.RunAsync(cs, "migrate", "--migrations", dir);
        var failed = await CliProcess.RunAsync(cs, "status", "--migrations", dir, "--exit-code");

        migrate.ExitCode.Should().Be(1, migrate.Error);
        migrate.Error.Should().Contain("public.schema_migrations (2 rows) looks like a SQL migration framework's").And.Contain("dbresilience adopt --from sql-framework");
        migrate.Error.Should().NotContain("PostgresException").And.NotContain("42703");
        conflict.ExitCode.Should().Be(2, conflict.Error);
        conflict.Error.Should().Contain("Schema 'public' holds migration tables that are not this library's");
        badFrom.ExitCode.Should().Be(2);
        badFrom.Error.Should().Contain("--from 'liquibase'");
        dry.ExitCode.Should().Be(0, dry.Error);
        var mapping = JsonDocument.Parse(dry.Output).RootElement;
        mapping.GetProperty("from").GetString().Should().Be("sqlFramework");
        mapping.GetProperty("dryRun").GetBoolean().Should().BeTrue();
        mapping.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("version").GetString(), e.GetProperty("match").GetString()))
            .Should().Equal(("1", "matched"), ("2", "matched"), ("3", "notInHistory"));
        adopt.ExitCode.Should().Be(0, adopt.Error);
        adopt.Output.Should().Contain("recorded 2 version(s) and 2 history row(s)");
        pending.ExitCode.Should().Be(3, pending.Error);
        pending.Output.Should().Contain("3 script(s), 1 pending: 2 adopted, 1 pending.");
        applied.ExitCode.Should().Be(0, applied.Error);
        upToDate.ExitCode.Should().Be(0, upToDate.Error);
        upToDate.Output.Should().Contain("3 script(s), 0 pending: 1 completed, 2 adopted.");
        broken.ExitCode.Should().Be(1);
        failed.ExitCode.Should().Be(1, failed.Output);
        failed.Output.Should().Contain("1 failed");
    }

    [Test]
    public async Task Cli_Baseline_RecordsAndStatusShowsBaselined()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await context.ExecuteAsync("CREATE TABLE a (id int);");
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("V2__b.sql", "CREATE TABLE b (id int);");

        var baseline = await CliProcess.RunAsync(context.ConnectionString, "baseline", "--migrations", context.Directory, "--version", "1", "--json");
        var status = await CliProcess.RunAsync(context.ConnectionString, "status", "--migrations", context.Directory, "--json");

        baseline.ExitCode.Should().Be(0, baseline.Error);
        JsonDocument.Parse(baseline.Output).RootElement.GetProperty("versionsRecorded").GetInt32().Should().Be(1);
        JsonDocument.Parse(status.Output).RootElement.EnumerateArray().Select(e => e.GetProperty("status").GetString()).Should().Equal("baselined", "pending");
    }

    [Test]
    public async Task Cli_AdoptAndMigrateAtOnce_NeverApplyAnAdoptedVersionAgain()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        await SqlMigrationFramework.InstallAndApplyAsync(context.ConnectionString, 2);
        SqlMigrationFramework.WriteFiles(context, 3);
        var cs = context.ConnectionString + ";Timeout=60";

        var adopt = CliProcess.RunAsync(cs, "adopt", "--migrations", context.Directory, "--lock-timeout", "120");
        var migrate = CliProcess.RunAsync(cs, "migrate", "--migrations", context.Directory, "--lock-timeout", "120");
        var results = await Task.WhenAll(adopt, migrate);
        var (adopted, migrated) = (results[0], results[1]);
        var after = await CliProcess.RunAsync(cs, "migrate", "--migrations", context.Directory);

        adopted.ExitCode.Should().Be(0, adopted.Error);
        if (migrated.ExitCode != 0)
        {
            // migrate took the lock first: it found the framework's history and an empty library history, and refused.
            migrated.ExitCode.Should().Be(1);
            migrated.Error.Should().Contain("dbresilience adopt --from sql-framework");
        }

        after.ExitCode.Should().Be(0, after.Error);
        (await context.ScalarAsync<long>("SELECT count(*) FROM dbresilience.migration_history WHERE action = 'apply' AND version = '3' AND success"))
            .Should().Be(1, "version 3 was applied exactly once, by whichever migrate ran after the adoption");
        (await context.ScalarAsync<long>("SELECT count(*) FROM dbresilience.migration_history WHERE action = 'apply' AND success AND NOT metadata ? 'adoptedFrom'"))
            .Should().Be(1, "no adopted version was applied again");
        (await context.ScalarAsync<long>("SELECT count(*) FROM legacy_users")).Should().Be(50);
        (await context.ScalarAsync<long>("SELECT count(*) FROM dbresilience.schema_migrations WHERE status = 'completed'")).Should().Be(3);
    }
}
