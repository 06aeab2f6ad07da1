namespace Inknowing.DbResilience.IntegrationTests.Reliability;

// Database faults, continued, on physical backups: PostgreSQL restarted with pg_ctl stop -m fast and -m immediate at random
// instants of a base backup (basebackup) and of WAL streaming (wal-receive), each on a cluster of its own so that a base backup
// copies little. An interrupted run exits 1 naming the cause; no base backup is listed that fails verify; the next run succeeds;
// and once wal-receive runs again the archive has no gap and a restore to latest holds every committed row.
public sealed partial class DatabaseFaultTests
{
    [TestCase("fast")]
    [TestCase("immediate")]
    public async Task BaseBackup_ServerRestartedAtRandomInstants_ExitsOneOrCompletesAndEveryListedBaseBackupVerifies(string mode)
    {
        await using var cluster = await WalStreaming.StartClusterAsync();
        await cluster.ExecuteAsync("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((g * 3)::text) AS payload FROM generate_series(1, 200000) g");
        var database = cluster.ConnectionString;
        var storage = NewStorage();
        var duration = await CrashTests.TimeAsync(() => ReliabilityCli.RunAsync(database, NewStorage(), _temporary, "basebackup"));
        var random = ReliabilityTrials.NewRandom($"database/restart-{mode}/base-backup");
        var interrupted = 0;
        var unclear = new List<string>();
        var cause = "none";
        for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
        {
            using var cli = ReliabilityCli.Start(database, storage, _temporary, "basebackup");
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds));
            await RestartAsync(cluster, mode);
            var (exitCode, output, error) = await cli.WaitAsync();
            interrupted += exitCode == 1 ? 1 : 0;
            cause = exitCode == 1 && cause == "none" ? Cause(error) : cause;
            unclear.AddRange(Unclear(trial, exitCode, output, error, finishedFirstIsFine: true));
        }

        var failed = await CrashTests.FailingVerificationAsync(database, storage, _temporary, await CrashTests.ListedAsync(database, storage, _temporary));
        var next = await ReliabilityCli.RunAsync(database, storage, _temporary, "basebackup");
        var listed = await CrashTests.ListedAsync(database, storage, _temporary);
        failed.AddRange(await CrashTests.FailingVerificationAsync(database, storage, _temporary, listed));
        ReliabilityTrials.Record($"database/restart-{mode}/base-backup", ReliabilityTrials.Count, interrupted, failed.Count,
            $"pg_ctl stop -m {mode} and start during a base backup of a fresh cluster with 200,000 rows; {listed.Count} listed base backup(s) verified; exit 1 with the cause when interrupted ({cause})");
        unclear.Should().BeEmpty("an interrupted base backup exits 1 with a message, without a stack trace");
        failed.Should().BeEmpty("a base backup listed as complete verifies");
        next.ExitCode.Should().Be(0, next.Output + next.Error);
        listed.Should().NotBeEmpty();
    }

    [TestCase("fast")]
    [TestCase("immediate")]
    public async Task WalReceive_ServerRestartedWhileStreaming_ExitsOneAndTheNextRunLeavesNoGapAndLosesNoRow(string mode)
    {
        await using var cluster = await WalStreaming.StartClusterAsync();
        var database = cluster.ConnectionString;
        var storage = NewStorage();
        var random = ReliabilityTrials.NewRandom($"database/restart-{mode}/wal-receive");
        var interrupted = 0;
        var unclear = new List<string>();
        var cause = "none";
        string first;
        string last;
        await using (var writer = new WalStreaming.Writer(database))
        {
            first = string.Empty;
            for (var trial = 0; trial < ReliabilityTrials.Count; trial++)
            {
                using var receiver = await WalStreaming.StartReceiverAsync(database, storage, _temporary, "fault_slot");
                if (trial == 0)
                {
                    // The slot exists (the receiver streams from it), so it keeps every segment from the base backup's start.
                    first = await WalStreaming.BaseBackupAsync(database, storage, _temporary);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500 + (random.NextDouble() * 2500)));
                await RestartAsync(cluster, mode);
                var (exitCode, output, error) = await receiver.WaitAsync();
                interrupted += exitCode == 1 ? 1 : 0;
                cause = exitCode == 1 && cause == "none" ? Cause(error) : cause;
                unclear.AddRange(Unclear(trial, exitCode, output, error, finishedFirstIsFine: false));
                if (exitCode == 1 && !error.Contains("replication stream from the server ended", StringComparison.Ordinal))
                {
                    // Before the fix: "NpgsqlException: Received backend message CommandComplete while expecting CopyDataMessage. Please file a bug."
                    unclear.Add($"trial {trial}: the error does not say the server ended the stream and what to do: {error}");
                }
            }

            using var final = await WalStreaming.StartReceiverAsync(database, storage, _temporary, "fault_slot");
            await Task.Delay(TimeSpan.FromSeconds(1));
            await writer.DisposeAsync();
            last = await WalStreaming.SwitchAndWaitForStoredAsync(database, storage);
            final.Signal("TERM");
            var stopped = await final.WaitAsync();
            stopped.ExitCode.Should().BeOneOf([0, 130], stopped.Output + stopped.Error);
        }

        var gaps = WalStreaming.ArchiveProblems(storage, first, last);
        var window = await ReliabilityCli.RunAsync(database, storage, _temporary, "pitr", "window");
        var committed = await WalStreaming.ScalarAsync<string>(database, WalStreaming.Digest);
        var restored = await WalStreaming.RestoreLatestDigestAsync(cluster, storage, _temporary, Path.Combine(NewStorage(), "restored"));
        var lost = gaps.Count + (restored == committed ? 0 : 1);
        ReliabilityTrials.Record($"database/restart-{mode}/wal-receive", ReliabilityTrials.Count, interrupted, lost,
            $"pg_ctl stop -m {mode} and start while wal-receive streams under writes: exit 1 ({cause}); the next wal-receive resumes from its slot; segments {first} to {last} stored whole, pitr window verified; restore to latest: {restored}, source: {committed}");
        unclear.Should().BeEmpty("wal-receive exits 1 with a message naming the cause when its server goes away, never 0 as if stopped on purpose");
        gaps.Should().BeEmpty();
        window.ExitCode.Should().Be(0, window.Output + window.Error);
        restored.Should().Be(committed, "a restore to latest holds every row the source committed");
    }

    /// <summary>Returns the start of the error line a run wrote, as the results show it.</summary>
    private static string Cause(string error)
    {
        var line = error.Split('\n').FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal))?.Trim() ?? error.Trim();
        return line.Length > 140 ? line[..140] + "..." : line;
    }

    /// <summary>Returns a problem unless a run ended with 1 and an error without a stack trace (or with 0, when it may have finished first).</summary>
    private static IEnumerable<string> Unclear(int trial, int exitCode, string output, string error, bool finishedFirstIsFine)
    {
        if (exitCode == 1 && error.Contains("error: ", StringComparison.Ordinal) && !error.Contains("   at ", StringComparison.Ordinal))
        {
            yield break;
        }

        if (exitCode != 0 || !finishedFirstIsFine)
        {
            yield return $"trial {trial}: exit {exitCode}: {output}{error}";
        }
    }
}
