using Inknowing.DbResilience.IntegrationTests.Backups;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>A drill killed with SIGKILL: its scratch database carries its owner record, so the next drill of this host drops it.</summary>
public sealed partial class LeftoverTests
{
    [Test]
    public async Task Drill_Killed_NextRunDropsTheScratchDatabase()
    {
        var temporary = NewTemporary();
        string? scratch = null;
        using (var cli = ReliabilityCli.Start(_connectionString, _storage, temporary, "drill"))
        {
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); scratch is null && waited.Elapsed < TimeSpan.FromMinutes(1); await Task.Delay(20))
            {
                scratch = await BackupTestDatabase.ScalarAsync<string>(
                    _connectionString,
                    $"SELECT coalesce(max(datname), '') FROM pg_database WHERE datname LIKE 'dbresilience\\_scratch\\_drill\\_%' AND shobj_description(oid, 'pg_database') LIKE 'dbresilience scratch host=% owner={cli.Id} %'");
                scratch = scratch.Length == 0 ? null : scratch;
            }

            cli.Signal("KILL");
            (await cli.WaitAsync()).ExitCode.Should().Be(137);
        }

        scratch.Should().NotBeNull("the drill restores into a scratch database whose comment names its owner");
        (await DatabaseExistsAsync(scratch!)).Should().BeTrue("a killed run cannot drop its scratch database");

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "drill");

        exitCode.Should().Be(0, output + error);
        (await DatabaseExistsAsync(scratch!)).Should().BeFalse("the next drill drops a scratch database whose owner process is gone");
        (await DrillDatabasesAsync()).Should().BeEmpty("the next drill drops its own copy too");
        ReliabilityTrials.Record("leftovers/killed-drill", 1, 1, 0, "drill killed with SIGKILL during its restore; the next drill drops the scratch database its owner record names");
    }
}
