using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>
/// A point-in-time restore through <see cref="IRestoreService"/> resolved from an application's container built by
/// <c>AddDbResilience</c>: the same service and strategy selection as every other restore, against a real archiving cluster of
/// its own (a base backup, rows written on both sides of a time, WAL archived into file storage).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PointInTimeRestoreStrategyTests
{
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private ServiceProvider _provider = null!;
    private BackupManifest _base = null!;
    private BackupManifest _logical = null!;
    private DateTimeOffset _time;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-pitr-service-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbResilience(b => b
            .UsePostgreSql(_cluster.ConnectionString)
            .UseFileSystemStorage(Path.Combine(_work, "storage"))
            .EnablePointInTimeRecovery());
        _provider = services.BuildServiceProvider();

        await _cluster.ExecuteAsync("CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL)");
        _logical = (await _provider.GetRequiredService<IBackupService>().CreateAsync()).Manifest;
        _base = await _provider.GetRequiredService<BaseBackupService>().CreateAsync();
        await _cluster.ExecuteAsync("INSERT INTO orders SELECT g, 'before' FROM generate_series(1, 500) g");
        _time = await PitrTestCluster.ScalarAsync<DateTime>(_cluster, "SELECT clock_timestamp()");
        await Task.Delay(50);
        await _cluster.ExecuteAsync("INSERT INTO orders SELECT g, 'after' FROM generate_series(501, 700) g; DELETE FROM orders WHERE id <= 10");
        await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);
        await PitrTestCluster.PushArchiveAsync(_cluster, _provider.GetRequiredService<WalArchive>());
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await PitrTestCluster.TearDownAsync(_cluster, _work);
    }

    [Test]
    public async Task RestoreAsync_TargetTimeOnLatest_BaseBackupRolledForwardToTheTimeAndRecorded()
    {
        var directory = Path.Combine(_work, "restored-time");
        var request = new RestoreRequest
        {
            PointInTime = PointInTimeTarget.AtTime(_time),
            TargetDirectory = directory,
            StartServer = true,
            ServerSettings = { ["fsync"] = "off" },
        };

        var result = await _provider.GetRequiredService<IRestoreService>().RestoreAsync(request);

        var restored = result.Should().BeOfType<BaseBackupRestoreResult>().Which;
        restored.Strategy.Should().Be("point-in-time");
        restored.BackupId.Should().Be(_base.Id);
        restored.TargetDatabase.Should().Be(Path.GetFullPath(directory));
        restored.Sha256.Should().Be(_base.GetDataFile().Sha256);
        await using (restored.PointInTime.Cluster!)
        {
            restored.PointInTime.Target.Should().Be(RecoveryTarget.AtTime(_time));
            restored.PointInTime.RecoveryStop.Should().NotBeNullOrEmpty();
            var database = new NpgsqlConnectionStringBuilder(_cluster.ConnectionString).Database!;
            await using var connection = new NpgsqlConnection(restored.PointInTime.Cluster!.GetConnectionString(database));
            await connection.OpenAsync();
            var counts = (string)(await new NpgsqlCommand("SELECT count(*) FILTER (WHERE note = 'before') || '/' || count(*) FILTER (WHERE note = 'after') FROM orders", connection).ExecuteScalarAsync())!;
            counts.Should().Be("500/0", "every row committed before the time is back (the later delete too is undone), none after it");
        }

        await using var live = new NpgsqlConnection(_cluster.ConnectionString);
        await live.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM dbresilience.recovery_history WHERE recovery_type = 'pitr' AND success AND backup_used = @id AND recovery_target = @target", live);
        command.Parameters.AddWithValue("id", _base.Id);
        command.Parameters.AddWithValue("target", $"{Path.GetFullPath(directory)} ({RecoveryTarget.AtTime(_time)})");
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(1, "the restore is recorded once, by the restore service");
    }

    [Test]
    public async Task RestoreAsync_TargetOnLogicalBackup_RefusedBeforeAnythingIsWritten()
    {
        var directory = Path.Combine(_work, "restored-logical");
        var request = new RestoreRequest { BackupId = _logical.Id, PointInTime = PointInTimeTarget.Latest, TargetDirectory = directory, TargetDatabase = "never_created" };

        var restore = () => _provider.GetRequiredService<IRestoreService>().RestoreAsync(request);

        var refused = (await restore.Should().ThrowAsync<RestoreException>()).Which;
        refused.Message.Should().Contain(_logical.Id).And.Contain("cannot be rolled forward").And.Contain("Restore a base backup");
        refused.NothingChanged.Should().BeTrue();
        Directory.Exists(directory).Should().BeFalse();
        (await PitrTestCluster.ScalarAsync<long>(_cluster, "SELECT count(*) FROM pg_database WHERE datname = 'never_created'")).Should().Be(0);
    }
}
