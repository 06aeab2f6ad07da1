using System.Net;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// Point-in-time recovery of a remote server, as users run it: a container reached over TCP at the Docker bridge, whose
/// files this process cannot see, with no archive_command. The base backup comes over the replication protocol
/// (pg_basebackup), the WAL through the streaming receiver, and the restore runs into a local cluster of the same major.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RemoteServerPointInTimeTests
{
    private string _work = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-remote-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
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
    public async Task BaseBackupAndWalReceiver_RemoteServer_RestoreToLatestHasEveryRow()
    {
        TestServers.RequireContainers();
        await using var server = await TestServers.StartContainerAsync(TestServers.ContainerImage!);
        var superuser = new NpgsqlConnectionStringBuilder(server.GetConnectionString()) { Database = "postgres", Pooling = false };
        IPAddress.TryParse(superuser.Host, out var address).Should().BeTrue();
        IPAddress.IsLoopback(address!).Should().BeFalse("the server is remote: reached at the Docker bridge, not on loopback");
        var replication = new NpgsqlConnectionStringBuilder(superuser.ConnectionString) { Username = "replicator" }.ConnectionString;

        await using var storage = new StorageSet([new FileSystemStorageProvider(Path.Combine(_work, "storage"))]);
        var options = Options.Create(new PointInTimeOptions { PartialFlushInterval = TimeSpan.FromMilliseconds(200), SlotName = "remote_test" });
        var archive = new WalArchive(storage);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = replication });
        var baseBackups = new BaseBackupService(storage, postgreSql, options, TimeProvider.System);
        var restorer = new PointInTimeRestorer(baseBackups, archive, postgreSql, options);

        using (var receiver = new WalReceiver(archive, postgreSql, options))
        {
            using var stop = new CancellationTokenSource();
            var running = receiver.RunAsync(stop.Token);
            await BackupTestDatabase.ExecuteAsync(superuser.ConnectionString, "CREATE TABLE t (batch int, id int); GRANT SELECT ON t TO replicator;");
            var manifest = await baseBackups.CreateAsync();
            manifest.ServerVersion.Should().StartWith($"{TestServers.ServerMajor}.");
            await BackupTestDatabase.ExecuteAsync(superuser.ConnectionString, "INSERT INTO t SELECT 1, generate_series(1, 1000)");
            await BackupTestDatabase.ExecuteAsync(superuser.ConnectionString, "SELECT pg_switch_wal()");
            await BackupTestDatabase.ExecuteAsync(superuser.ConnectionString, "INSERT INTO t SELECT 2, generate_series(1, 1000)");
            await WaitForStoredAsync(superuser.ConnectionString, receiver, running);
            await stop.CancelAsync();
            await running;
        }

        var window = await restorer.GetWindowAsync();
        window.Problems.Should().BeEmpty();
        window.IsRecoverable.Should().BeTrue();

        var result = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "restored"),
            Target = RecoveryTarget.Latest,
            Start = true,
        });
        await using var restored = result.Cluster!;
        restored.Host.Should().Be("127.0.0.1", "a point-in-time restore lands in a local cluster");
        (await BackupTestDatabase.ScalarAsync<long>(restored.ConnectionString, "SELECT count(*) FROM t WHERE batch = 1")).Should().Be(1000);
        (await BackupTestDatabase.ScalarAsync<long>(restored.ConnectionString, "SELECT count(*) FROM t WHERE batch = 2")).Should().Be(1000);
    }

    private static async Task WaitForStoredAsync(string connectionString, WalReceiver receiver, Task running)
    {
        var target = await BackupTestDatabase.ScalarAsync<NpgsqlLogSequenceNumber>(connectionString, "SELECT pg_current_wal_insert_lsn()");
        for (var i = 0; i < 300 && receiver.StoredLsn < target; i++)
        {
            if (running.IsCompleted)
            {
                await running; // Surfaces why the receiver stopped.
            }

            await Task.Delay(100);
        }

        receiver.StoredLsn.Should().BeGreaterThanOrEqualTo(target, "the receiver must store everything written so far");
    }
}
