using Inknowing.DbResilience.IntegrationTests.Backups;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Leftovers: a restore's local copy (<c>restore -j 2</c>) and a directory backup's extracted dump live in the temporary
/// directory while the run works. Each test gives the CLI a temporary directory of its own (TMPDIR) and lists it afterwards:
/// nothing is left after a success, a failure or a cancellation, and a killed run's leftovers are removed by the next run.
/// </summary>
[Category("Reliability")]
public sealed partial class LeftoverTests : StorageDirectoryTests
{
    private string _connectionString = null!;
    private string _storage = null!;
    private string _directoryStorage = null!;

    [OneTimeSetUp]
    public async Task CreateBackupsAsync()
    {
        _connectionString = await BackupTestDatabase.CreateShopAsync();

        // Enough rows that a restore takes a few seconds: long enough to be interrupted while its local copy exists.
        await BackupTestDatabase.ExecuteAsync(
            _connectionString, "CREATE TABLE public.bulk AS SELECT g AS id, repeat(md5(g::text), 6) AS payload FROM generate_series(1, 300000) g");
        _storage = NewStorage();
        _directoryStorage = NewStorage();
        var temporary = NewTemporary();
        (await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "backup")).ExitCode.Should().Be(0);
        (await ReliabilityCli.RunAsync(_connectionString, _directoryStorage, temporary, "backup", "--format", "directory")).ExitCode.Should().Be(0);
        Leftovers(temporary).Should().BeEmpty("a backup in the directory format removes its dump directory");
    }

    [Test]
    public async Task RestoreParallel_Succeeds_LeavesNothingInTheTemporaryDirectory()
    {
        var temporary = NewTemporary();

        var (exitCode, _, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "restore", "--target-database", NewDatabase(), "-j", "2");

        exitCode.Should().Be(0, error);
        Leftovers(temporary).Should().BeEmpty();
    }

    [Test]
    public async Task RestoreAndVerify_DamagedDirectoryBackup_ExitOneAndLeaveNothing()
    {
        var storage = CopyOf(_directoryStorage);
        var tar = Directory.EnumerateFiles(storage, "data.tar", SearchOption.AllDirectories).Single();
        FlipByte(tar, new FileInfo(tar).Length / 2);
        var temporary = NewTemporary();

        var verify = await ReliabilityCli.RunAsync(_connectionString, storage, temporary, "verify", "latest");
        var restore = await ReliabilityCli.RunAsync(_connectionString, storage, temporary, "restore", "--target-database", NewDatabase());

        verify.ExitCode.Should().Be(1, verify.Output + verify.Error);
        restore.ExitCode.Should().Be(1, restore.Output + restore.Error);
        Leftovers(temporary).Should().BeEmpty("a refused backup's half-extracted dump is removed");
    }

    [Test]
    public async Task RestoreParallel_DamagedBackup_ExitsOneAndLeavesNothing()
    {
        var storage = CopyOf(_storage);
        var dump = Directory.EnumerateFiles(storage, "data.dump", SearchOption.AllDirectories).Single();
        FlipByte(dump, new FileInfo(dump).Length - 100);
        var temporary = NewTemporary();

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, storage, temporary, "restore", "--target-database", NewDatabase(), "-j", "2");

        exitCode.Should().Be(1, output + error);
        Leftovers(temporary).Should().BeEmpty("the local copy that failed its checksum is removed");
    }

    [Test]
    public async Task RestoreParallel_Interrupted_ExitsOneHundredThirtyAndLeavesNothing()
    {
        // The signal lands at a known phase, seen from outside: while pg_restore -j 2 loads the rows from the local copy (its
        // process a child of the CLI), seconds before the restore could end.
        var temporary = NewTemporary();
        var database = NewDatabase();
        using var cli = ReliabilityCli.Start(_connectionString, _storage, temporary, "restore", "--target-database", database, "-j", "2");

        var restoring = await cli.WaitUntilAsync(() => cli.ChildCommandLines().Any(c => c.Contains("pg_restore", StringComparison.Ordinal) && c.Contains(" -j 2 ", StringComparison.Ordinal)), TimeSpan.FromMinutes(1));
        // SIGTERM, which the CLI handles as it does Ctrl+C: a shell that starts a job in the background (nohup, `&`, as a CI
        // runner may start the suite) starts it with SIGINT ignored, and an ignored signal stays ignored in its children.
        cli.Signal("TERM");
        var (exitCode, output, error) = await cli.WaitAsync();

        restoring.Should().BeTrue("the restore runs pg_restore -j 2 from its local copy: " + output + error);
        exitCode.Should().Be(130, output + error);
        Leftovers(temporary).Should().BeEmpty("an interrupted restore removes its local copy");
        (await DatabaseExistsAsync(database)).Should().BeFalse("the half-restored database is dropped");
    }

    [Test]
    public async Task Drill_Succeeds_LeavesNothingInTheTemporaryDirectory()
    {
        var temporary = NewTemporary();

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, _directoryStorage, temporary, "drill");

        exitCode.Should().Be(0, output + error);
        Leftovers(temporary).Should().BeEmpty("a drill of a directory backup removes the dump it extracted");
        (await DrillDatabasesAsync()).Should().BeEmpty("the drill drops its scratch database");
    }

    [Test]
    public async Task Drill_DamagedBackup_ExitsOneAndLeavesNothing()
    {
        var storage = CopyOf(_directoryStorage);
        var tar = Directory.EnumerateFiles(storage, "data.tar", SearchOption.AllDirectories).Single();
        FlipByte(tar, new FileInfo(tar).Length / 2);
        var temporary = NewTemporary();

        var (exitCode, output, error) = await ReliabilityCli.RunAsync(_connectionString, storage, temporary, "drill");

        exitCode.Should().Be(1, output + error);
        Leftovers(temporary).Should().BeEmpty("a refused backup's half-extracted dump is removed");
        (await DrillDatabasesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Drill_Interrupted_ExitsOneHundredThirtyAndLeavesNothing()
    {
        var temporary = NewTemporary();
        using var cli = ReliabilityCli.Start(_connectionString, _directoryStorage, temporary, "drill");

        var restoring = await cli.WaitUntilAsync(() => cli.ChildCommandLines().Any(c => c.Contains("pg_restore", StringComparison.Ordinal) && !c.Contains("--list", StringComparison.Ordinal)), TimeSpan.FromMinutes(1));
        // SIGTERM, which the CLI handles as it does Ctrl+C: a shell that starts a job in the background (nohup, `&`, as a CI
        // runner may start the suite) starts it with SIGINT ignored, and an ignored signal stays ignored in its children.
        cli.Signal("TERM");
        var (exitCode, output, error) = await cli.WaitAsync();

        restoring.Should().BeTrue("the drill restores the backup with pg_restore: " + output + error);
        exitCode.Should().Be(130, output + error);
        Leftovers(temporary).Should().BeEmpty("an interrupted drill removes its extracted dump");
        (await DrillDatabasesAsync()).Should().BeEmpty("an interrupted drill drops its half-restored scratch database");
    }

    [Test]
    public async Task RestoreTable_Killed_NextRunDropsTheScratchDatabase()
    {
        var temporary = NewTemporary();
        string? scratch = null;
        using (var cli = ReliabilityCli.Start(_connectionString, _storage, temporary, "restore-table", "--table", "shop.orders"))
        {
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); scratch is null && waited.Elapsed < TimeSpan.FromMinutes(1); await Task.Delay(20))
            {
                scratch = await BackupTestDatabase.ScalarAsync<string>(
                    _connectionString,
                    $"SELECT coalesce(max(datname), '') FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE 'dbresilience scratch host=% owner={cli.Id} %'");
                scratch = scratch.Length == 0 ? null : scratch;
            }

            cli.Signal("KILL");
            (await cli.WaitAsync()).ExitCode.Should().Be(137);
        }

        scratch.Should().NotBeNull("the table restore creates a scratch database whose comment names its owner");
        (await DatabaseExistsAsync(scratch!)).Should().BeTrue("a killed run cannot drop its scratch database");

        var (exitCode, _, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "restore-table", "--table", "shop.orders");

        exitCode.Should().Be(0, error);
        (await DatabaseExistsAsync(scratch!)).Should().BeFalse("the next run drops a scratch database whose owner process is gone");
    }

    [Test]
    public async Task VerifyRestoreTest_ScratchDatabasesOfOthers_DropsOnlyThoseOfGoneProcessesOnThisHost()
    {
        // The CLI runs on this host; 4194305 is above the kernel's largest process id, so no process has it.
        var host = Environment.MachineName;
        var gone = await CreateScratchAsync($"dbresilience scratch host={host} owner=4194305 1");
        var alive = await CreateScratchAsync($"dbresilience scratch host={host} owner={Environment.ProcessId} 0");
        var elsewhere = await CreateScratchAsync("dbresilience scratch host=another-host.example owner=4194305 1");
        var unrecorded = await CreateScratchAsync("a database an operator made");

        var (exitCode, _, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, NewTemporary(), "verify", "latest", "--restore-test");

        exitCode.Should().Be(0, error);
        (await DatabaseExistsAsync(gone)).Should().BeFalse("its owner process is gone from this host");
        (await DatabaseExistsAsync(alive)).Should().BeTrue("its owner (this test process) is alive");
        (await DatabaseExistsAsync(elsewhere)).Should().BeTrue("another host's processes cannot be seen from here");
        (await DatabaseExistsAsync(unrecorded)).Should().BeTrue("a database without an owner record is not a scratch database");
    }

    [Test]
    public async Task RestoreParallel_KilledThenRunAgain_NextRunRemovesTheLeftovers()
    {
        var temporary = NewTemporary();
        using (var cli = ReliabilityCli.Start(_connectionString, _storage, temporary, "restore", "--target-database", NewDatabase(), "-j", "2"))
        {
            (await cli.WaitUntilAsync(() => Leftovers(temporary).Count > 0, TimeSpan.FromMinutes(1))).Should().BeTrue();
            cli.Signal("KILL");
            (await cli.WaitAsync()).ExitCode.Should().Be(137);
        }

        var left = Leftovers(temporary);
        left.Should().Contain(e => e.EndsWith(".owner", StringComparison.Ordinal), "a killed run cannot clean up; its owner record says whose it was");

        var (exitCode, _, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "restore", "--target-database", NewDatabase(), "-j", "2");

        exitCode.Should().Be(0, error);
        Leftovers(temporary).Should().BeEmpty("the next run removes what a run whose process is gone left");
    }

    [Test]
    public async Task RestoreParallel_AnotherRunAlive_LeavesItsDirectoryAlone()
    {
        var temporary = NewTemporary();
        var owned = Path.Combine(temporary, "dbresilience-restore-0123456789AB");
        Directory.CreateDirectory(owned);
        await File.WriteAllTextAsync(owned + ".owner", $"{Environment.ProcessId} 0\n");

        var (exitCode, _, error) = await ReliabilityCli.RunAsync(_connectionString, _storage, temporary, "restore", "--target-database", NewDatabase(), "-j", "2");

        exitCode.Should().Be(0, error);
        Directory.Exists(owned).Should().BeTrue("its owner (this test process) is alive");
        Leftovers(temporary).Should().BeEquivalentTo([owned, owned + ".owner"]);
    }

    private async Task<string> DrillDatabasesAsync() =>
        await BackupTestDatabase.ScalarAsync<string>(_connectionString, "SELECT coalesce(string_agg(datname, ', '), '') FROM pg_database WHERE datname LIKE 'dbresilience\\_scratch\\_drill\\_%'");

    private async Task<bool> DatabaseExistsAsync(string database) =>
        await BackupTestDatabase.ScalarAsync<bool>(_connectionString, $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')");

    private async Task<string> CreateScratchAsync(string comment)
    {
        var database = "dbresilience_scratch_" + Guid.NewGuid().ToString("N")[..12];
        await BackupTestDatabase.ExecuteAsync(_connectionString, $"CREATE DATABASE {database}");
        await BackupTestDatabase.ExecuteAsync(_connectionString, $"COMMENT ON DATABASE {database} IS '{comment}'");
        return database;
    }

    internal static List<string> Leftovers(string temporary) =>
        Directory.Exists(temporary) ? Directory.EnumerateFileSystemEntries(temporary, "dbresilience-*").ToList() : [];

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        var value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    private static string NewDatabase() => "leftover_" + Guid.NewGuid().ToString("N")[..10];

    private string NewTemporary()
    {
        var path = NewStorage();
        Directory.CreateDirectory(path);
        return path;
    }

    private string CopyOf(string storage) => CopyTree(storage, NewStorage());

    /// <summary>Copies every file under <paramref name="from"/> to <paramref name="to"/>; returns <paramref name="to"/>.</summary>
    internal static string CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }
}
