using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// The CLI as PostgreSQL's archive_command (<c>dbresilience wal-push %p</c>, configured by DBRESILIENCE_STORAGE in the command),
/// run by the server as the postgres OS user, then the window and a restore from what it stored.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class WalArchiveCommandTests
{
    private string _work = null!;
    private string _storagePath = null!;
    private string _cli = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _cli = PitrCli.DllPath;
        File.Exists(_cli).Should().BeTrue($"the CLI must be built first (dotnet build samples/Inknowing.DbResilience.Cli): {_cli}");
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-walcmd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _storagePath = Path.Combine(_work, "storage");
        Directory.CreateDirectory(_storagePath);
        if (Environment.UserName == "root")
        {
            // The server's archive_command runs as the postgres OS user: give it the storage directory.
            PitrCli.Run("/usr/bin/chown", [], "-R", "postgres:postgres", _work).ExitCode.Should().Be(0);
        }
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        if (_work is not null && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Test]
    public async Task WalPush_AsArchiveCommand_StoresEverySegment_AndRestoreLatestSeesAllRows()
    {
        var storageUri = "file://" + _storagePath;
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions
        {
            DisableFsync = true,
            Settings =
            {
                ["archive_mode"] = "on",
                ["archive_command"] = $"'DBRESILIENCE_STORAGE={storageUri} {PitrCli.DotnetPath} {_cli} wal-push %p'",
            },
        });
        await using var storage = new StorageSet([new FileSystemStorageProvider(_storagePath)]);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = cluster.ConnectionString });
        var options = Options.Create(new PointInTimeOptions { Compression = BaseBackupCompression.Zstd });
        var baseBackups = new BaseBackupService(storage, postgreSql, options, TimeProvider.System);
        var restorer = new PointInTimeRestorer(baseBackups, new WalArchive(storage), postgreSql, options);

        await cluster.ExecuteAsync("CREATE TABLE t (id int)");
        var manifest = await baseBackups.CreateAsync();
        await cluster.ExecuteAsync("INSERT INTO t SELECT generate_series(1, 1000)");
        await SwitchAndWaitForArchiveAsync(cluster);

        var window = PitrCli.Run(PitrCli.DotnetPath, new() { ["DBRESILIENCE_STORAGE"] = storageUri, ["DBRESILIENCE_CONNECTION"] = cluster.ConnectionString }, _cli, "pitr", "window", "--json");
        window.ExitCode.Should().Be(0, window.Output);
        window.Output.Should().Contain(manifest.Id);

        var fetch = PitrCli.Run(PitrCli.DotnetPath, new() { ["DBRESILIENCE_STORAGE"] = storageUri }, _cli, "wal-fetch", "0000000100000099000000FF", Path.Combine(_work, "x"));
        fetch.ExitCode.Should().Be(1, "restore_command must fail for a segment that is not archived");

        var badName = PitrCli.Run(PitrCli.DotnetPath, new() { ["DBRESILIENCE_STORAGE"] = storageUri }, _cli, "wal-push", "/etc/passwd");
        badName.ExitCode.Should().Be(2, badName.Output);

        var result = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "restored"),
            Target = RecoveryTarget.Latest,
            Start = true,
        });
        await using var restored = result.Cluster!;
        await using var connection = new NpgsqlConnection(restored.ConnectionString);
        await connection.OpenAsync();
        (await new NpgsqlCommand("SELECT count(*) FROM t", connection).ExecuteScalarAsync()).Should().Be(1000L);
        manifest.DataKey().Should().EndWith(".zst");
    }

    private static async Task SwitchAndWaitForArchiveAsync(LocalPostgreSqlCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        var switched = (string)(await new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection).ExecuteScalarAsync())!;
        for (var i = 0; i < 600; i++)
        {
            var last = (string)(await new NpgsqlCommand("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", connection).ExecuteScalarAsync())!;
            if (string.CompareOrdinal(last, switched) >= 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{switched} was not archived by 'dbresilience wal-push' within 60 s. Server log: {cluster.ReadLog()}");
    }
}
