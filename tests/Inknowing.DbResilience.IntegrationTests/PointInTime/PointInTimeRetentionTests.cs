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
/// Retention of real base backups and the WAL archived around them (a local PostgreSQL cluster of its own, archive_command into a
/// directory, pushed into a file storage): the dry run deletes nothing; applying it removes the oldest backup and only the WAL
/// before the next one, and the oldest kept backup still restores to the latest row.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PointInTimeRetentionTests
{
    private readonly List<BackupManifest> _backups = [];
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private string _storagePath = null!;
    private StorageSet _storage = null!;
    private BaseBackupService _baseBackups = null!;
    private PointInTimeRestorer _restorer = null!;
    private PointInTimeRetention _retention = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-pitr-retention-" + Guid.NewGuid().ToString("N")[..8]);
        _storagePath = Path.Combine(_work, "storage");
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });
        _storage = new StorageSet([new FileSystemStorageProvider(_storagePath)]);
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = _cluster.ConnectionString });
        var options = Options.Create(new PointInTimeOptions());
        var archive = new WalArchive(_storage);
        _baseBackups = new BaseBackupService(_storage, postgreSql, options, TimeProvider.System);
        _restorer = new PointInTimeRestorer(_baseBackups, archive, postgreSql, options);
        _retention = new PointInTimeRetention(_baseBackups, _restorer, archive);

        // Three base backups with rows and WAL switches between them, and rows after the last one.
        await _cluster.ExecuteAsync("CREATE TABLE marks (note text PRIMARY KEY)");
        for (var i = 1; i <= 3; i++)
        {
            await _cluster.ExecuteAsync($"INSERT INTO marks VALUES ('before-{i}')");
            await _cluster.ExecuteAsync("SELECT pg_switch_wal()");
            _backups.Add(await _baseBackups.CreateAsync());
        }

        await _cluster.ExecuteAsync("INSERT INTO marks VALUES ('after-3')");
        await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);
        await PitrTestCluster.PushArchiveAsync(_cluster, archive);
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        _storage?.Dispose();
        await PitrTestCluster.TearDownAsync(_cluster, _work);
    }

    [Test]
    public async Task ApplyAsync_KeepTwoAfterADryRun_DryRunDeletesNothing_ApplyRemovesOnlyWhatNoKeptBackupNeeds()
    {
        var before = StoredKeys();
        var oldestKeptSegment = await ScalarAsync<string>($"SELECT pg_walfile_name('{_backups[1].Wal!.StartLsn}')");

        var dryRun = await _retention.PlanAsync(keepBaseBackups: 2);
        var afterDryRun = StoredKeys();
        var plan = await _retention.ApplyAsync(keepBaseBackups: 2);
        var after = StoredKeys();
        var window = await _restorer.GetWindowAsync();
        var again = await _retention.ApplyAsync(keepBaseBackups: 2);

        afterDryRun.Should().Equal(before, "a dry run deletes nothing");
        dryRun.Applied.Should().BeFalse();
        dryRun.RemovedBaseBackups.Should().Equal(_backups[0].Id);
        dryRun.KeptBaseBackups.Should().Equal(_backups[1].Id, _backups[2].Id);
        dryRun.OldestNeededSegment.Should().Be(oldestKeptSegment);
        dryRun.RemovedWalFiles.Should().NotBeEmpty().And.OnlyContain(k => string.CompareOrdinal(SegmentOf(k), oldestKeptSegment) < 0);
        dryRun.RemovedWalFiles.Should().Contain(k => k.EndsWith(".backup", StringComparison.Ordinal), "the first backup's .backup history file goes with it");

        plan.Applied.Should().BeTrue();
        plan.RemovedWalFiles.Should().Equal(dryRun.RemovedWalFiles);
        (await _baseBackups.ListAsync()).Select(m => m.Id).Should().Equal(_backups[1].Id, _backups[2].Id);
        before.Except(after).Should().BeEquivalentTo(plan.RemovedWalFiles.Append(_backups[0].DataKey()).Append($"base/{_backups[0].Id}/manifest.json"));
        after.Where(k => k.StartsWith("wal/", StringComparison.Ordinal)).Should().Contain(k => Path.GetFileName(k) == oldestKeptSegment)
            .And.OnlyContain(k => string.CompareOrdinal(SegmentOf(k), oldestKeptSegment) >= 0 || k.EndsWith(".history", StringComparison.Ordinal));
        window.Problems.Should().BeEmpty();
        window.RestorableBaseBackups.Should().Equal(_backups[1].Id, _backups[2].Id);
        again.RemovedBaseBackups.Should().BeEmpty();
        again.RemovedWalFiles.Should().BeEmpty();

        // The oldest kept backup still replays to the last row: nothing it needs was deleted.
        var result = await _restorer.RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "restored"),
            Target = RecoveryTarget.Latest,
            BaseBackupId = _backups[1].Id,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using var restored = result.Cluster!;
        await using var connection = new NpgsqlConnection(restored.ConnectionString);
        await connection.OpenAsync();
        (await new NpgsqlCommand("SELECT string_agg(note, ',' ORDER BY note) FROM marks", connection).ExecuteScalarAsync())
            .Should().Be("after-3,before-1,before-2,before-3");
        result.BaseBackup.Id.Should().Be(_backups[1].Id);
    }

    /// <summary>Gets the segment name a WAL key starts with (the whole name for a history file).</summary>
    private static string SegmentOf(string key)
    {
        var name = Path.GetFileName(key);
        return name.Length >= 24 ? name.Substring(0, 24) : name;
    }

    private List<string> StoredKeys()
        => Directory.EnumerateFiles(_storagePath, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_storagePath, f).Replace('\\', '/'))
            .Where(k => !Path.GetFileName(k).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private Task<T> ScalarAsync<T>(string sql) => PitrTestCluster.ScalarAsync<T>(_cluster, sql);
}
