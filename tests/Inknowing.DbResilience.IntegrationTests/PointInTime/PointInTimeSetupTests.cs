using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>The set-up helper against a real local PostgreSQL cluster that starts without archiving.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PointInTimeSetupTests
{
    [Test]
    public async Task ApplyAsync_ArchivingOff_SetsEverything_ArchiveModeNeedsRestart_ThenOk()
    {
        _ = TestServers.PostgreSqlConnectionString;
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true });
        var setup = new PointInTimeSetup(Options.Create(new PostgreSqlOptions { ConnectionString = cluster.ConnectionString }));
        const string command = "DBRESILIENCE_STORAGE=file:///var/backups/db dbresilience wal-push %p";

        var before = await setup.CheckAsync(command);
        before.Should().Contain(c => c.Name == "archive_mode" && !c.Ok && c.NeedsRestart);
        before.Should().Contain(c => c.Name == "wal_level" && c.Ok);

        var applied = await setup.ApplyAsync(command);
        applied.Should().Contain(c => c.Name == "archive_command" && c.Ok && c.Current == command);
        applied.Should().Contain(c => c.Name == "archive_timeout" && c.Ok);
        applied.Should().Contain(c => c.Name == "archive_mode" && !c.Ok && c.NeedsRestart);

        await cluster.StopAsync();
        await cluster.StartAsync();
        (await setup.CheckAsync(command)).Should().OnlyContain(c => c.Ok && !c.NeedsRestart);
        await cluster.ExecuteAsync("ALTER SYSTEM SET archive_mode = off");
    }
}
