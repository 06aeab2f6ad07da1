using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>The streaming receiver against a real local PostgreSQL cluster with no archive_command: WAL reaches storage only through it.</summary>
[TestFixture]
[NonParallelizable]
public sealed class WalReceiverTests
{
    private string _work = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-receiver-" + Guid.NewGuid().ToString("N")[..8]);
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
    public async Task RunAsync_StoppedAndRestartedMidStream_NoGapAndLatestRestoreHasEveryRow()
    {
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true, ReplicationRole = "replicator" });
        await using var storage = new StorageSet([new FileSystemStorageProvider(Path.Combine(_work, "storage"))]);
        var replication = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Username = "replicator" }.ConnectionString;
        var options = Options.Create(new PointInTimeOptions { PartialFlushInterval = TimeSpan.FromMilliseconds(200), SlotName = "receiver_test" });
        var archive = new WalArchive(storage);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = cluster.ConnectionString });
        var baseBackups = new BaseBackupService(storage, postgreSql, options, TimeProvider.System);
        var restorer = new PointInTimeRestorer(baseBackups, archive, postgreSql, options);

        using (var first = new WalReceiver(archive, Options.Create(new PostgreSqlOptions { ConnectionString = replication }), options))
        {
            using var stop = new CancellationTokenSource();
            var running = first.RunAsync(stop.Token);
            await cluster.ExecuteAsync("CREATE TABLE t (batch int, id int)");
            await baseBackups.CreateAsync();
            await InsertBatchAsync(cluster, 1);
            await WaitForStoredAsync(cluster, first, running);

            // Stopped mid-segment, with WAL still being written while it is down.
            await stop.CancelAsync();
            await running;
        }

        await InsertBatchAsync(cluster, 2);
        await cluster.ExecuteAsync("SELECT pg_switch_wal()");
        await InsertBatchAsync(cluster, 3);

        using (var second = new WalReceiver(archive, Options.Create(new PostgreSqlOptions { ConnectionString = replication }), options))
        {
            using var stop = new CancellationTokenSource();
            var running = second.RunAsync(stop.Token);
            await InsertBatchAsync(cluster, 4);
            await WaitForStoredAsync(cluster, second, running);
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
        await using var connection = new NpgsqlConnection(restored.ConnectionString);
        await connection.OpenAsync();
        var batches = new List<int>();
        await using (var reader = await new NpgsqlCommand("SELECT batch, count(*) FROM t GROUP BY batch ORDER BY batch", connection).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                reader.GetInt64(1).Should().Be(1000);
                batches.Add(reader.GetInt32(0));
            }
        }

        batches.Should().Equal(1, 2, 3, 4);
    }

    [Test]
    public async Task RunAsync_ServerPromotedToANewTimeline_StoresItsHistoryAndFollowsIt()
    {
        await using var primary = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true, ReplicationRole = "replicator" });
        await using var storage = new StorageSet([new FileSystemStorageProvider(Path.Combine(_work, "timeline-storage"))]);
        var options = Options.Create(new PointInTimeOptions { PartialFlushInterval = TimeSpan.FromMilliseconds(200), SlotName = "timeline_test" });
        var archive = new WalArchive(storage);
        var onPrimary = Options.Create(new PostgreSqlOptions { ConnectionString = primary.ConnectionString });
        var baseBackups = new BaseBackupService(storage, onPrimary, options, TimeProvider.System);
        var restorer = new PointInTimeRestorer(baseBackups, archive, onPrimary, options);
        using (var receiver = new WalReceiver(archive, onPrimary, options))
        {
            using var stop = new CancellationTokenSource();
            var running = receiver.RunAsync(stop.Token);
            await primary.ExecuteAsync("CREATE TABLE t (batch int, id int)");
            await baseBackups.CreateAsync();
            await InsertBatchAsync(primary, 1);
            await WaitForStoredAsync(primary, receiver, running);
            await stop.CancelAsync();
            await running;
        }

        // The restored copy is promoted onto timeline 2 and becomes the server the receiver streams from, into the same storage.
        var promotion = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "promoted"),
            Target = RecoveryTarget.Latest,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var promoted = promotion.Cluster!;
        await primary.StopAsync();
        using (var receiver = new WalReceiver(archive, Options.Create(new PostgreSqlOptions { ConnectionString = promoted.ConnectionString }), options))
        {
            using var stop = new CancellationTokenSource();
            var running = receiver.RunAsync(stop.Token);
            await InsertBatchAsync(promoted, 2);
            await promoted.ExecuteAsync("SELECT pg_switch_wal()");
            await InsertBatchAsync(promoted, 3);
            await WaitForStoredAsync(promoted, receiver, running);
            await stop.CancelAsync();
            await running;
        }

        var window = await restorer.GetWindowAsync();
        var result = await restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "after-promotion"),
            Target = RecoveryTarget.Latest,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var restored = result.Cluster!;
        await using var connection = new NpgsqlConnection(restored.ConnectionString);
        await connection.OpenAsync();

        (await storage.Providers[0].GetInfoAsync("wal/00000002/00000002.history")).Should().NotBeNull();
        window.Problems.Should().BeEmpty();
        window.LatestTimeline.Should().Be(2);
        (await new NpgsqlCommand("SELECT string_agg(DISTINCT batch::text, ',' ORDER BY batch::text) FROM t", connection).ExecuteScalarAsync()).Should().Be("1,2,3");
        (await new NpgsqlCommand("SELECT count(*) FROM t", connection).ExecuteScalarAsync()).Should().Be(3000L);
    }

    [Test]
    public async Task RunAsync_Synchronous_EveryCommitIsStoredWhenItReturns()
    {
        await using var cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions
        {
            DisableFsync = true,
            Settings = { ["synchronous_commit"] = "on", ["synchronous_standby_names"] = "'dbresilience_receiver'" },
        });
        await using var storage = new StorageSet([new FileSystemStorageProvider(Path.Combine(_work, "sync-storage"))]);
        var options = Options.Create(new PointInTimeOptions { Synchronous = true, PartialFlushInterval = TimeSpan.FromMinutes(10) });
        using var receiver = new WalReceiver(new WalArchive(storage), Options.Create(new PostgreSqlOptions { ConnectionString = cluster.ConnectionString }), options);
        using var stop = new CancellationTokenSource();
        var running = receiver.RunAsync(stop.Token);

        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await new NpgsqlCommand("CREATE TABLE s (id int)", connection).ExecuteNonQueryAsync();
        for (var i = 0; i < 10; i++)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await new NpgsqlCommand($"INSERT INTO s VALUES ({i})", connection, transaction).ExecuteNonQueryAsync();
            var before = (NpgsqlLogSequenceNumber)(await new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection, transaction).ExecuteScalarAsync())!;
            await transaction.CommitAsync();
            receiver.StoredLsn.Should().BeGreaterThan(before, "a synchronous commit returns only once its WAL is stored");
        }

        await stop.CancelAsync();
        await running;
    }

    private static async Task InsertBatchAsync(LocalPostgreSqlCluster cluster, int batch)
        => await cluster.ExecuteAsync($"INSERT INTO t SELECT {batch}, generate_series(1, 1000)");

    private static async Task WaitForStoredAsync(LocalPostgreSqlCluster cluster, WalReceiver receiver, Task running)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        var target = (NpgsqlLogSequenceNumber)(await new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection).ExecuteScalarAsync())!;
        for (var i = 0; i < 300 && receiver.StoredLsn < target; i++)
        {
            if (running.IsCompleted)
            {
                await running; // Surfaces why the receiver stopped.
            }

            await Task.Delay(100);
        }

        receiver.StoredLsn.Should().BeGreaterThanOrEqualTo(target, "the receiver must store everything written so far (synchronous_commit is off: wait for the insert position, not the flush one)");
    }
}
