using System.Diagnostics;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Load: a base backup taken with the CLI while pgbench writes, then point-in-time restores to times taken mid-run and to the
/// latest archived WAL. Each restored copy keeps pgbench's balance invariant and holds exactly the history rows the source had
/// committed at the target. "Committed at the target" is read from the source's commit timestamps
/// (<c>track_commit_timestamp = on</c>): a row whose transaction's commit time is at or before the target time, which is what
/// <c>recovery_target_time</c> keeps (<c>recovery_target_inclusive</c> is on). pgbench's own <c>mtime</c> column is the
/// transaction's start and would count rows that committed after the target.
/// </summary>
[Category("Reliability")]
[NonParallelizable]
public sealed class PointInTimeLoadTests
{
    /// <summary>Mid-run targets when <see cref="ReliabilityTrials.TrialsVariable"/> is not set.</summary>
    private const int DefaultTargets = 2;

    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-pitrload-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        var options = new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" };
        options.Settings["track_commit_timestamp"] = "on";
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(options);
    }

    [OneTimeTearDown]
    public async Task TearDown() => await PitrTestCluster.TearDownAsync(_cluster, _work);

    [Test]
    public async Task PitrRestore_BaseBackupTakenWhilePgbenchWrites_EachTargetHasItsCommittedRowsAndBalances()
    {
        var targets = Environment.GetEnvironmentVariable(ReliabilityTrials.TrialsVariable) is null ? DefaultTargets : ReliabilityTrials.Count;
        var random = ReliabilityTrials.NewRandom("load/pitr-under-pgbench");
        var source = _cluster.ConnectionString;
        var store = Path.Combine(_work, "store");
        var temporary = Path.Combine(_work, "tmp");
        Directory.CreateDirectory(temporary);
        await LoadTests.RunPgbenchAsync(source, "-i", "-s", "1", "-q");
        var times = new List<DateTimeOffset>();
        var stopwatch = Stopwatch.StartNew();

        using (var pgbench = LoadTests.StartPgbench(source, "-c", "2", "-T", "600", "-n"))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var basebackup = await ReliabilityCli.RunAsync(source, store, temporary, "basebackup");
            basebackup.ExitCode.Should().Be(0, basebackup.Error);
            for (var target = 0; target < targets; target++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300 + random.Next(1000)));
                times.Add(await BackupTestDatabase.ScalarAsync<DateTime>(source, "SELECT clock_timestamp()"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
            pgbench.HasExited.Should().BeFalse("pgbench must be writing all along");
            pgbench.Kill();
            await pgbench.WaitForExitAsync();
        }

        // Only now, with pgbench stopped, is the source's history final; the last segment is archived and pushed.
        var committed = new List<(string Target, RecoveryTarget Recovery, long Rows)>();
        foreach (var time in times)
        {
            var rows = await BackupTestDatabase.ScalarAsync<long>(
                source, $"SELECT count(*) FROM pgbench_history WHERE pg_xact_commit_timestamp(xmin) <= '{time.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}+00'");
            committed.Add(($"time {time.UtcDateTime:HH:mm:ss.ffffff}", RecoveryTarget.AtTime(time), rows));
        }

        committed.Add(("latest", RecoveryTarget.Latest, await BackupTestDatabase.ScalarAsync<long>(source, "SELECT count(*) FROM pgbench_history")));
        await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);
        using var storage = new StorageSet([new FileSystemStorageProvider(store)]);
        var archive = new WalArchive(storage);
        await PitrTestCluster.PushArchiveAsync(_cluster, archive);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = source });
        var pointInTime = Options.Create(new PointInTimeOptions());
        var restorer = new PointInTimeRestorer(new BaseBackupService(storage, postgreSql, pointInTime, TimeProvider.System), archive, postgreSql, pointInTime);

        var broken = new List<string>();
        var checkedRows = new List<string>();
        foreach (var (name, recovery, rows) in committed)
        {
            var result = await restorer.RestoreAsync(new PointInTimeRestoreRequest
            {
                TargetDirectory = Path.Combine(_work, "restore-" + checkedRows.Count),
                Target = recovery,
                Start = true,
                Settings = new Dictionary<string, string> { ["fsync"] = "off" },
            });
            await using var restored = result.Cluster!;
            var restoredRows = await PitrTestCluster.ScalarAsync<long>(restored, "SELECT count(*) FROM pgbench_history");
            var problems = await LoadTests.BalanceProblemsAsync(restored.ConnectionString);
            if (restoredRows != rows)
            {
                problems.Add($"{restoredRows} history rows restored, {rows} committed on the source at the target");
            }

            broken.AddRange(problems.Select(p => $"{name}: {p}"));
            checkedRows.Add($"{name} {restoredRows}/{rows}");
        }

        ReliabilityTrials.Record(
            "load/pitr-under-pgbench",
            committed.Count,
            0,
            broken.Count,
            $"basebackup under pgbench -c 2 at scale 1; {targets} mid-run time target(s) and latest; history rows restored/committed at the target: {string.Join(", ", checkedRows)}; balances against history deltas; {stopwatch.Elapsed.TotalSeconds:F0} s");
        committed[0].Rows.Should().BeGreaterThan(0, "pgbench had committed before the first target");
        committed[^1].Rows.Should().BeGreaterThan(committed[0].Rows, "pgbench went on writing after the first target");
        broken.Should().BeEmpty();
    }
}
