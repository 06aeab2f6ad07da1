using System.Diagnostics;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

// Crash anywhere, continued, on point-in-time recovery, each on a cluster of its own: wal-receive killed with SIGKILL at random
// instants while it streams under writes (no file under a segment's final name that is not the whole segment; the next run
// resumes from its slot with no gap; a restore to latest holds every committed row), and a point-in-time restore killed at
// random instants (what it leaves, a half-restored directory, its WAL staging, a server still replaying, is refused by the next
// run naming --force, and with --force the next run stops that server, replaces the directory and restores the committed rows).
public sealed partial class CrashTests
{
    [Test]
    public async Task WalReceive_KilledAtRandomInstants_NoPartialSegmentUnderItsFinalNameAndTheNextRunLeavesNoGap()
    {
        await using var cluster = await WalStreaming.StartClusterAsync();
        var database = cluster.ConnectionString;
        var storage = NewStorage();
        var random = ReliabilityTrials.NewRandom("wal-receive");
        var lost = new List<string>();
        var compared = new HashSet<string>(StringComparer.Ordinal);
        var interrupted = 0;
        var first = string.Empty;
        string last;
        await using (var writer = new WalStreaming.Writer(database))
        {
            for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
            {
                using var receiver = await WalStreaming.StartReceiverAsync(database, storage, _temporary, "crash_slot");
                if (trial == 0)
                {
                    first = await WalStreaming.BaseBackupAsync(database, storage, _temporary);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * 4000));
                receiver.Signal("KILL");
                interrupted += (await receiver.WaitAsync()).ExitCode == 137 ? 1 : 0;
                lost.AddRange(WalStreaming.PartialSegments(storage).Select(p => $"trial {trial}: {p}"));
                lost.AddRange((await WalStreaming.SegmentsDifferingFromServerAsync(database, storage, compared)).Select(p => $"trial {trial}: {p}"));
            }

            using var final = await WalStreaming.StartReceiverAsync(database, storage, _temporary, "crash_slot");
            await Task.Delay(TimeSpan.FromSeconds(1));
            await writer.DisposeAsync();
            last = await WalStreaming.SwitchAndWaitForStoredAsync(database, storage);
            final.Signal("TERM");
            var stopped = await final.WaitAsync();
            stopped.ExitCode.Should().BeOneOf([0, 130], stopped.Output + stopped.Error);
        }

        lost.AddRange(WalStreaming.ArchiveProblems(storage, first, last));
        lost.AddRange(await WalStreaming.SegmentsDifferingFromServerAsync(database, storage, compared));
        var window = await ReliabilityCli.RunAsync(database, storage, _temporary, "pitr", "window");
        var committed = await WalStreaming.ScalarAsync<string>(database, WalStreaming.Digest);
        var restored = await WalStreaming.RestoreLatestDigestAsync(cluster, storage, _temporary, Path.Combine(NewStorage(), "restored"));
        if (restored != committed)
        {
            lost.Add($"restore to latest: {restored}; committed on the source: {committed}");
        }

        ReliabilityTrials.Record("crash/wal-receive", ReliabilityTrials.Count, interrupted, lost.Count,
            $"SIGKILL while streaming under writes; segments {first} to {last} stored whole ({compared.Count} compared byte for byte with pg_wal), no gap after the next run resumed from its slot; pitr window verified; restore to latest: {restored}");
        lost.Should().BeEmpty();
        window.ExitCode.Should().Be(0, window.Output + window.Error);
    }

    [Test]
    public async Task PitrRestore_KilledAtRandomInstants_NextRunRefusesNamingForceAndWithItRestoresTheCommittedRows()
    {
        await using var cluster = await WalStreaming.StartClusterAsync();
        var database = cluster.ConnectionString;
        var storage = NewStorage();
        var temporary = NewStorage();
        Directory.CreateDirectory(temporary);
        var expected = await WalStreaming.ArchiveRowsAsync(cluster, storage, temporary);
        var stopwatch = Stopwatch.StartNew();
        (await WalStreaming.RestoreLatestDigestAsync(cluster, storage, temporary, Path.Combine(NewStorage(), "timed"))).Should().Be(expected);
        var duration = stopwatch.Elapsed;
        var random = ReliabilityTrials.NewRandom("pitr-restore");
        var lost = new List<string>();
        var unclear = new List<string>();
        var interrupted = 0;
        var refused = 0;
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            var target = Path.Combine(NewStorage(), "restored");
            using (var cli = ReliabilityCli.Start(database, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target, "--json"))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds));
                cli.Signal("KILL");
                interrupted += (await cli.WaitAsync()).ExitCode == 137 ? 1 : 0;
            }

            var left = (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()) || Directory.Exists(target + "-wal");
            var next = await ReliabilityCli.RunAsync(database, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target, "--json");
            if (left)
            {
                refused++;
                if (next.ExitCode == 0 || !next.Error.Contains("--force", StringComparison.Ordinal))
                {
                    unclear.Add($"trial {trial}: a killed restore's directory was not refused naming --force: exit {next.ExitCode}: {next.Error}");
                }

                if (next.ExitCode == 0)
                {
                    await WalStreaming.PgCtlAsync(cluster.BinDirectory, "stop", "-w", "-m", "fast", "-D", target);
                }

                next = await ReliabilityCli.RunAsync(database, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target, "--json", "--force");
            }

            next.ExitCode.Should().Be(0, next.Output + next.Error);
            var restored = await WalStreaming.DigestOfRestoredAsync(cluster, next.Output, target);
            if (restored != expected)
            {
                lost.Add($"trial {trial}: restored {restored}, committed {expected}");
            }

            WalStreaming.ServersOf(target).Should().BeEmpty("the killed run's server was stopped by the next run, and the restored one by this test");
            LeftoverTests.Leftovers(temporary).Where(e => !e.EndsWith(".owner", StringComparison.Ordinal)).Should()
                .HaveCountLessThanOrEqualTo(1, "the next run removes the killed run's scratch directories; only the log and sockets of the server it started may remain");
        }

        ReliabilityTrials.Record("crash/pitr-restore", ReliabilityTrials.Count, interrupted, lost.Count,
            $"pitr restore --latest --start; {refused} killed run(s) left a directory, refused by the next run naming --force; with --force the server left running is stopped and the rows restored: {expected}");
        unclear.Should().BeEmpty();
        lost.Should().BeEmpty();
    }
}
