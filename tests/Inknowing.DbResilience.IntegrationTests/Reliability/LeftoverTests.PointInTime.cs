using Inknowing.DbResilience.PostgreSql.Clusters;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

// Leftovers of point-in-time restores (pitr restore), on a cluster of their own whose WAL wal-receive streams: a restore
// started with --start leaves its server running on purpose, and with it only that server's log and socket directory, which
// other runs leave alone while the server runs; a refused restore and a cancelled one leave no scratch directory, no target
// directory and no server.
public sealed partial class LeftoverTests
{
    private LocalPostgreSqlCluster? _pitrCluster;
    private string? _pitrStorage;

    [OneTimeTearDown]
    public async Task StopPitrClusterAsync()
    {
        if (_pitrCluster is not null)
        {
            await _pitrCluster.DisposeAsync();
        }
    }

    [Test]
    public async Task PitrRestore_SucceedsWithoutStart_LeavesNothingInTheTemporaryDirectory()
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var temporary = NewTemporary();
        var target = Path.Combine(NewStorage(), "restored");

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--target-dir", target);

        exitCode.Should().Be(0, output + error);
        Leftovers(temporary).Should().BeEmpty();
        Directory.Exists(target + "-wal").Should().BeTrue("restore_command reads the staged WAL when the operator starts the server");
        WalStreaming.ServersOf(target).Should().BeEmpty("nothing was started");
    }

    [Test]
    public async Task PitrRestore_StartedServers_KeepTheirLogAndSocketDirectoriesWhileTheyRun()
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var temporary = NewTemporary();
        var first = Path.Combine(NewStorage(), "first");
        var second = Path.Combine(NewStorage(), "second");

        var one = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", first, "--json");
        one.ExitCode.Should().Be(0, one.Output + one.Error);
        var kept = Leftovers(temporary).Single(e => !e.EndsWith(".owner", StringComparison.Ordinal));
        var postmaster = File.ReadLines(Path.Combine(first, "postmaster.pid")).First();

        // Before the fix, the second run's clean-up took the first server's directory for a killed run's (its owner record
        // named the CLI, which had ended): the log and the socket of a server still running were deleted.
        var two = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", second, "--json");
        two.ExitCode.Should().Be(0, two.Output + two.Error);
        var keptAfterSecond = Directory.Exists(kept);
        var firstDigest = await WalStreaming.DigestOfRestoredAsync(cluster, one.Output, first);
        var secondDigest = await WalStreaming.DigestOfRestoredAsync(cluster, two.Output, second);

        (await File.ReadAllTextAsync(kept + ".owner")).Should().StartWith(postmaster + " ", "the running server owns its directory");
        keptAfterSecond.Should().BeTrue("another run leaves the directory of a running server alone");
        secondDigest.Should().Be(firstDigest);
        WalStreaming.ServersOf(first).Should().BeEmpty();
        WalStreaming.ServersOf(second).Should().BeEmpty();
    }

    [TestCase("1999-01-01T00:00:00Z")]
    [TestCase("2999-01-01T00:00:00Z")]
    public async Task PitrRestore_TimeOutsideTheWindow_ExitsOneAndLeavesNothing(string time)
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var temporary = NewTemporary();
        var target = Path.Combine(NewStorage(), "restored");

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--time", time, "--start", "--target-dir", target);

        exitCode.Should().Be(1, output + error);
        Leftovers(temporary).Should().BeEmpty();
        Directory.Exists(target).Should().BeFalse("a refused restore removes the directory it created");
        Directory.Exists(target + "-wal").Should().BeFalse();
        WalStreaming.ServersOf(target).Should().BeEmpty();
    }

    [Test]
    public async Task PitrRestore_InterruptedWhileTheServerReplays_ExitsOneHundredThirtyAndLeavesNothing()
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var temporary = NewTemporary();
        var target = Path.Combine(NewStorage(), "restored");
        using var cli = ReliabilityCli.Start(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target);

        var serving = await cli.WaitUntilAsync(() => WalStreaming.ServersOf(target).Count > 0, TimeSpan.FromMinutes(1));
        cli.Signal("TERM");
        var (exitCode, output, error) = await cli.WaitAsync();

        serving.Should().BeTrue("the restore starts a server over the target: " + output + error);
        exitCode.Should().Be(130, output + error);
        Leftovers(temporary).Should().BeEmpty("an interrupted restore removes its server's log and socket directory");
        WalStreaming.ServersOf(target).Should().BeEmpty("an interrupted restore stops its server");
        Directory.Exists(target).Should().BeFalse("an interrupted restore removes the directory it created");
        Directory.Exists(target + "-wal").Should().BeFalse();
    }

    [Test]
    public async Task PitrRestore_KilledWhileTheServerReplays_NextRunStopsThatServerAndRemovesItsDirectory()
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var temporary = NewTemporary();
        var target = Path.Combine(NewStorage(), "killed");
        using (var cli = ReliabilityCli.Start(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", target))
        {
            (await cli.WaitUntilAsync(() => File.Exists(Path.Combine(target, "postmaster.pid")), TimeSpan.FromMinutes(1))).Should().BeTrue("the restore starts a server over the target");
            cli.Signal("KILL");
            (await cli.WaitAsync()).ExitCode.Should().Be(137);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var orphaned = WalStreaming.ServersOf(target);
        var next = Path.Combine(NewStorage(), "next");

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, temporary, "pitr", "restore", "--latest", "--start", "--target-dir", next, "--json");

        exitCode.Should().Be(0, output + error);
        await WalStreaming.DigestOfRestoredAsync(cluster, output, next);
        orphaned.Should().NotBeEmpty("a killed run cannot stop the server it started");
        WalStreaming.ServersOf(target).Should().BeEmpty("the next run stops the server of a run whose process is gone");
        Leftovers(temporary).Where(e => !e.EndsWith(".owner", StringComparison.Ordinal)).Should().ContainSingle("only the next run's server directory is left, and that server has stopped");
    }

    [Test]
    public async Task PitrRestore_StagingLeftWithoutTarget_IsRefusedNamingForceAndReplacedWithIt()
    {
        var (cluster, storage) = await PitrArchiveAsync();
        var target = Path.Combine(NewStorage(), "restored");
        Directory.CreateDirectory(target + "-wal");
        var stale = Path.Combine(target + "-wal", "000000010000000000000001");
        await File.WriteAllTextAsync(stale, "a killed restore's staged WAL");

        var refused = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, NewTemporary(), "pitr", "restore", "--latest", "--target-dir", target);
        var forced = await ReliabilityCli.RunAsync(cluster.ConnectionString, storage, NewTemporary(), "pitr", "restore", "--latest", "--target-dir", target, "--force");

        refused.ExitCode.Should().Be(1, "an existing target without --force is refused with exit 1, as restore refuses an existing database; " + refused.Output + refused.Error);
        refused.Error.Should().Contain(target + "-wal").And.Contain("--force");
        forced.ExitCode.Should().Be(0, forced.Output + forced.Error);
        File.Exists(stale).Should().BeFalse("--force replaces what the killed restore staged");
        File.Exists(Path.Combine(target, "PG_VERSION")).Should().BeTrue();
    }

    /// <summary>Returns the fixture's archiving cluster and the storage that holds its base backup and WAL, made on first use.</summary>
    private async Task<(LocalPostgreSqlCluster Cluster, string Storage)> PitrArchiveAsync()
    {
        if (_pitrCluster is null)
        {
            _pitrCluster = await WalStreaming.StartClusterAsync();
            _pitrStorage = NewStorage();
            await WalStreaming.ArchiveRowsAsync(_pitrCluster, _pitrStorage, NewTemporary());
        }

        return (_pitrCluster, _pitrStorage!);
    }
}
