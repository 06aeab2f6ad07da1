using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// Base backup, WAL archiving into storage and restores to every kind of target, against a real PostgreSQL cluster (the local major) of
/// its own (archiving on) with pgbench writing throughout.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PointInTimeRestorerTests
{
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private StorageSet _storage = null!;
    private WalArchive _archive = null!;
    private BaseBackupService _baseBackups = null!;
    private PointInTimeRestorer _restorer = null!;
    private BackupManifest _manifest = null!;
    private DateTimeOffset _time;
    private NpgsqlLogSequenceNumber _lsn;
    private ulong _xid;
    private string _migrationRestorePoint = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-pitr-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions
        {
            EnableArchiving = true,
            DisableFsync = true,
            ReplicationRole = "replicator",
        });
        _storage = new StorageSet([new FileSystemStorageProvider(Path.Combine(_work, "storage"))]);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = _cluster.ConnectionString });
        var options = Options.Create(new PointInTimeOptions());
        _archive = new WalArchive(_storage);
        _baseBackups = new BaseBackupService(_storage, postgreSql, options, TimeProvider.System);
        _restorer = new PointInTimeRestorer(_baseBackups, _archive, postgreSql, options);

        await _cluster.ExecuteAsync("CREATE TABLE marks (note text PRIMARY KEY)");
        await RunPgbenchAsync("-i", "-s", "1");
        _manifest = await _baseBackups.CreateAsync();

        // Concurrent writes all along, and one marker row on each side of every target.
        var pgbench = RunPgbenchAsync("-c", "2", "-T", "30", "-n");
        await InsertAsync("before-time");
        _time = await ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(50);
        await InsertAsync("after-time");
        await InsertAsync("before-lsn");
        _lsn = await ScalarAsync<NpgsqlLogSequenceNumber>("SELECT pg_current_wal_insert_lsn()");
        await InsertAsync("after-lsn");
        await using (var connection = new NpgsqlConnection(_cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await new NpgsqlCommand("INSERT INTO marks VALUES ('xid-row')", connection, transaction).ExecuteNonQueryAsync();
            _xid = (ulong)(long)(await new NpgsqlCommand("SELECT txid_current()", connection, transaction).ExecuteScalarAsync())!;
            await transaction.CommitAsync();
        }

        await InsertAsync("after-xid");
        await InsertAsync("before-point");

        // Two migrations in one round trip; the restore point the runner made for version 42 must undo exactly version 42.
        await using (var host = new DbResilienceBuilder()
            .UsePostgreSql(_cluster.ConnectionString)
            .AddMigrations(m => m.FromCode(c => c
                .Add("41", "mark", "INSERT INTO marks VALUES ('in-migration-41');")
                .Add("42", "add_column", "ALTER TABLE marks ADD COLUMN migrated int;\nINSERT INTO marks VALUES ('in-migration-42');")))
            .Build())
        {
            var migrated = await host.GetRequiredService<IMigrationRunner>().MigrateAsync();
            _migrationRestorePoint = migrated.Executions.Single(e => e.Key == "42").RestorePointName!;
        }

        await InsertAsync("after-point");
        await StopPgbenchAsync(pgbench);
        await ArchiveAsync();
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        _storage?.Dispose();
        await PitrTestCluster.TearDownAsync(_cluster, _work);
    }

    [Test]
    public void CreateAsync_BaseBackup_ManifestHasLsnsTimelineAndChecksum()
    {
        _manifest.Wal!.Timeline.Should().Be(1);
        NpgsqlLogSequenceNumber.Parse(_manifest.Wal!.StopLsn).Should().BeGreaterThan(NpgsqlLogSequenceNumber.Parse(_manifest.Wal!.StartLsn));
        _manifest.Sha256.Should().MatchRegex("^[0-9a-f]{64}$");
        _manifest.ServerVersion.Should().StartWith($"{TestServers.LocalToolsMajor}.");
        _manifest.DataKey().Should().Be($"base/{_manifest.Id}/base.tar.lz4");
    }

    [Test]
    public async Task GetWindowAsync_ArchivedChain_SpansBaseBackupToLastSegment()
    {
        var window = await _restorer.GetWindowAsync();

        window.Problems.Should().BeEmpty();
        window.RestorableBaseBackups.Should().Equal(_manifest.Id);
        window.Earliest.Should().Be(_manifest.CompletedAt);
        window.Latest.Should().BeAfter(_time);
        NpgsqlLogSequenceNumber.Parse(window.LatestLsn!).Should().BeGreaterThan(_lsn);
    }

    [Test]
    public async Task RestoreAsync_Time_KeepsCommitsBeforeTheTimeOnly()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.AtTime(_time), "time");
        notes.Should().Contain("before-time").And.NotContain("after-time");
    }

    [Test]
    public async Task RestoreAsync_Lsn_KeepsCommitsBeforeTheLsnOnly()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.AtLsn(_lsn), "lsn");
        notes.Should().Contain("before-lsn").And.NotContain("after-lsn");
    }

    [Test]
    public async Task RestoreAsync_TransactionId_KeepsThatTransactionOnly()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.AtTransaction(_xid), "xid");
        notes.Should().Contain("xid-row").And.NotContain("after-xid");
    }

    [Test]
    public async Task RestoreAsync_RestorePointOfMigration_UndoesTheMigration()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.AtRestorePoint(_migrationRestorePoint), "name", checkColumn: true);
        notes.Should().Contain(["before-point", "in-migration-41"]).And.NotContain(["in-migration-42", "after-point"]);
    }

    [Test]
    public async Task RestoreAsync_Latest_KeepsEverythingArchived()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.Latest, "latest");
        notes.Should().Contain(["before-time", "after-time", "xid-row", "after-point"]);
    }

    [Test]
    public async Task RestoreAsync_Immediate_StopsAtTheBaseBackup()
    {
        var notes = await RestoreAndReadAsync(RecoveryTarget.Immediate, "immediate");
        notes.Should().BeEmpty();
    }

    [Test]
    public async Task RestoreAsync_TimeOutsideWindow_RefusedBeforeWritingAnything()
    {
        var directory = Path.Combine(_work, "outside");
        var act = () => _restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = directory,
            Target = RecoveryTarget.AtTime(_manifest.StartedAt.AddHours(-1)),
        });

        (await act.Should().ThrowAsync<PointInTimeException>()).Which.Message.Should().Contain("outside the recoverable window").And.Contain(_manifest.Wal!.StopLsn);
        Directory.Exists(directory).Should().BeFalse();
    }

    [Test]
    public async Task PushAsync_SameBytesAgain_IsIdempotent_DifferentBytes_Fails()
    {
        var segment = Directory.EnumerateFiles(_cluster.ArchiveDirectory).Where(f => Path.GetFileName(f).Length == 24).Order().First();
        var again = await _archive.PushAsync(segment);
        again.AlreadyStored.Should().BeTrue();

        var copy = Path.Combine(_work, Path.GetFileName(segment));
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[100] ^= 0xFF;
        await File.WriteAllBytesAsync(copy, bytes);
        var act = () => _archive.PushAsync(copy);
        (await act.Should().ThrowAsync<WalArchiveConflictException>()).Which.Message.Should().Contain(Path.GetFileName(segment));
    }

    [Test]
    public async Task RunAsync_Drill_RestoresTheDeletedMarkerAndReportsRtoAndRpo()
    {
        using var stop = new CancellationTokenSource();
        var pusher = Task.Run(async () =>
        {
            // Stands in for archive_command = 'dbresilience wal-push %p'.
            while (!stop.IsCancellationRequested)
            {
                await PushArchiveAsync();
                await Task.Delay(200);
            }
        });
        var drill = new PointInTimeDrill(_baseBackups, _restorer, Options.Create(new PostgreSqlOptions { ConnectionString = _cluster.ConnectionString }), TimeProvider.System);

        var report = await drill.RunAsync();
        await stop.CancelAsync();
        await pusher;

        report.Steps.Should().OnlyContain(s => s.Passed, string.Join("; ", report.Steps.Select(s => $"{s.Name}: {s.Details}")));
        report.Passed.Should().BeTrue();
        report.Steps.Select(s => s.Name).Should().Equal("window", "marker", "archive", "restore", "verify", "rto_objective");
        report.Rto.Should().BePositive();
        report.Rpo.Should().NotBeNull();
        report.ArchiveLag.Should().BePositive();
        report.RecoveryStop.Should().Contain("recovery stopping");
    }

    [Test]
    public async Task FetchAsync_MissingSegment_ReturnsFalse()
    {
        var fetched = await _archive.FetchAsync("0000000100000099000000FF", Path.Combine(_work, "missing"));
        fetched.Should().BeFalse();
        File.Exists(Path.Combine(_work, "missing")).Should().BeFalse();
    }

    private async Task<List<string>> RestoreAndReadAsync(RecoveryTarget target, string name, bool checkColumn = false)
    {
        var result = await _restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "restore-" + name),
            Target = target,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var cluster = result.Cluster!;
        Directory.Exists(result.WalStagingDirectory).Should().BeFalse();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        if (checkColumn)
        {
            var migrated = await new NpgsqlCommand(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'marks' AND column_name = 'migrated'", connection).ExecuteScalarAsync();
            migrated.Should().Be(0L, "the restore point was made before the migration added the column");
        }

        var notes = new List<string>();
        await using var reader = await new NpgsqlCommand("SELECT note FROM marks ORDER BY note", connection).ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            notes.Add(reader.GetString(0));
        }

        TestContext.Progress.WriteLine($"{target}: {result.RecoveryStop} ({result.WalFilesStaged} WAL files, {result.Duration.TotalSeconds:F1} s)");
        return notes;
    }

    private async Task InsertAsync(string note) => await _cluster.ExecuteAsync($"INSERT INTO marks VALUES ('{note}')");

    private Task<T> ScalarAsync<T>(string sql) => PitrTestCluster.ScalarAsync<T>(_cluster, sql);

    private async Task ArchiveAsync()
    {
        await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);
        await PushArchiveAsync();
    }

    private Task PushArchiveAsync() => PitrTestCluster.PushArchiveAsync(_cluster, _archive);

    private System.Diagnostics.Process StartPgbench(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(_cluster.BinDirectory, "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-h", _cluster.Host, "-p", _cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", _cluster.SuperuserName, "-q" }.Where(a => a != "-q" || arguments.Contains("-i")).Concat(arguments).Append("postgres"))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = _cluster.SuperuserPassword;
        return System.Diagnostics.Process.Start(start)!;
    }

    private async Task RunPgbenchAsync(params string[] arguments)
    {
        using var process = StartPgbench(arguments);
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await error);
    }

    private Task<System.Diagnostics.Process> RunPgbenchAsync(string c, string clients, string t, string seconds, string n)
    {
        var process = StartPgbench(c, clients, t, seconds, n);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return Task.FromResult(process);
    }

    private static async Task StopPgbenchAsync(Task<System.Diagnostics.Process> pgbench)
    {
        using var process = await pgbench;
        process.HasExited.Should().BeFalse("pgbench must still be writing when the last marker is committed");
        process.Kill();
        await process.WaitForExitAsync();
    }
}
