using System.Globalization;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class MigrationConcurrencyTests
{
    [Test]
    public async Task MigrateCli_TwentyProcessesAtOnce_ApplyEachMigrationExactlyOnceIncludingConcurrentIndex()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__log.sql", "CREATE TABLE applied_log (version int NOT NULL, pid int NOT NULL DEFAULT pg_backend_pid());\nCREATE TABLE big AS SELECT g AS id FROM generate_series(1, 20000) g;");
        for (var v = 2; v <= 30; v++)
        {
            var sql = v == 15
                ? "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);\nINSERT INTO applied_log (version) VALUES (15);"
                : string.Create(CultureInfo.InvariantCulture, $"INSERT INTO applied_log (version) VALUES ({v});");
            context.Write(string.Create(CultureInfo.InvariantCulture, $"V{v}__step.sql"), sql);
        }

        // 20 processes authenticating (SCRAM) at once on a loaded 2-core machine can take longer than the 15 s default.
        var connection = context.ConnectionString + ";Application Name=mig-proc;Timeout=120";
        var runs = Enumerable.Range(0, 20)
            .Select(_ => CliProcess.RunAsync(connection, "migrate", "--migrations", context.Directory, "--lock-timeout", "120"))
            .ToArray();
        var results = await Task.WhenAll(runs);

        results.Should().OnlyContain(r => r.ExitCode == 0, string.Join("\n", results.Select(r => r.Error)));
        (await context.ScalarAsync<long>("SELECT count(*) FROM applied_log")).Should().Be(29);
        (await context.ScalarAsync<long>("SELECT count(DISTINCT version) FROM applied_log")).Should().Be(29);
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history WHERE action = 'apply'")).Should().Be(30, "no process applied anything twice or failed");
        (await context.ScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id_idx'::regclass")).Should().BeTrue();
        results.Count(r => r.Output.Contains("up to date", StringComparison.Ordinal)).Should().BeGreaterThan(0);
    }

    [Test]
    public async Task MigrateAsync_ConcurrentIndexWhileOthersWait_DoesNotDeadlock()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 50000) g;");
        context.Write("V2__slow.sql", "SELECT pg_sleep(0.5);");
        context.Write("V3__idx.sql", "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);");
        var runners = Enumerable.Range(0, 5).Select(_ => context.Runner(m => m.LockTimeout = TimeSpan.FromSeconds(60))).ToArray();

        var results = await Task.WhenAll(runners.Select(r => r.MigrateAsync()));

        results.Sum(r => r.Executions.Count).Should().Be(3);
        (await context.ScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass")).Should().BeTrue();
    }

    [Test]
    public async Task MigrateCli_ProcessKilledWhileHoldingLock_LeavesNoStaleLock()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(2);");
        using var victim = CliProcess.Start(context.ConnectionString + ";Application Name=victim", "migrate", "--migrations", context.Directory);
        await WaitForLockAsync(context.ConnectionString, "victim");

        victim.Kill(entireProcessTree: true);
        await victim.WaitForExitAsync();
        var result = await context.Runner(m => m.LockTimeout = TimeSpan.FromSeconds(60)).MigrateAsync();

        result.Executions.Select(e => e.Key).Should().Equal("1");
        (await context.ScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE status = 'completed'")).Should().Be(1);
    }

    private static async Task WaitForLockAsync(string connectionString, string applicationName)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        for (var i = 0; i < 600; i++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1",
                connection) { Parameters = { new NpgsqlParameter { Value = applicationName } } };
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The migrating process never took the lock.");
    }
}
