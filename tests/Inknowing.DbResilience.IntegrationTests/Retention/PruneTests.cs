using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Backups;

namespace Inknowing.DbResilience.IntegrationTests.Retention;

/// <summary>Retention applied to real backups in real file storage, with a clock that moves only when told.</summary>
public sealed class PruneTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task PruneAsync_SixDailyBackupsKeepTwo_DryRunDeletesNothingThenPruneDeletesTheRest()
    {
        var connectionString = await Infrastructure.TestServers.CreateDatabaseAsync("prune");
        await BackupTestDatabase.ExecuteAsync(connectionString, "CREATE TABLE t AS SELECT generate_series(1, 10) AS x");
        var storage = BackupTestDatabase.NewStorageDirectory();
        try
        {
            var clock = new ManualClock(Start);
            await using var host = BackupTestDatabase.BuildHost(connectionString, [storage], o =>
            {
                o.Tier = "daily";
                o.Retention.Daily = 2;
                o.Retention.Weekly = 0;
                o.Retention.Monthly = 0;
            }, clock);
            var service = host.GetRequiredService<IBackupService>();
            var ids = new List<string>();
            for (var day = 0; day < 6; day++)
            {
                clock.Now = Start.AddDays(day);
                ids.Add((await service.CreateAsync()).Manifest.Id);
            }

            var killed = BackupId.New(Start.AddDays(2).AddHours(3), "daily").Value;
            var running = BackupId.New(Start.AddDays(5).AddMinutes(30), "daily").Value;
            foreach (var orphan in new[] { killed, running })
            {
                Directory.CreateDirectory(Path.Combine(storage, "backups", orphan));
                await File.WriteAllTextAsync(Path.Combine(storage, "backups", orphan, "data.dump"), "partial");
            }

            clock.Now = Start.AddDays(5).AddHours(1);

            var dryRun = await service.PruneAsync(dryRun: true);
            (await service.ListAsync()).Should().HaveCount(6, "a dry run deletes nothing");
            var pruned = await service.PruneAsync();

            dryRun.Plan.Deleted.Select(d => d.Id).Should().BeEquivalentTo(ids.Take(4).Append(killed));
            dryRun.Plan.Decisions.Single(d => d.Id == running).Reason.Should().StartWith("running");
            dryRun.Plan.Decisions.Single(d => d.Id == killed).Reason.Should().StartWith("incomplete");
            pruned.Deleted.Should().BeEquivalentTo(dryRun.Plan.Deleted.Select(d => d.Id));
            pruned.Problems.Should().BeEmpty();
            (await service.ListAsync()).Select(m => m.Id).Should().Equal(ids.Skip(4));
            Directory.Exists(Path.Combine(storage, "backups", ids[0])).Should().BeFalse();
            Directory.Exists(Path.Combine(storage, "backups", running)).Should().BeTrue();
            (await BackupTestDatabase.ScalarAsync<long>(connectionString, $"SELECT count(*) FROM dbresilience.backup_history WHERE backup_id = '{ids[0]}'")).Should().Be(0);
            (await BackupTestDatabase.ScalarAsync<DateTime>(connectionString, $"SELECT retention_until FROM dbresilience.backup_history WHERE backup_id = '{ids[4]}'"))
                .Should().Be(new DateTime(2026, 3, 8, 0, 0, 0, DateTimeKind.Utc));

            await BackupTestDatabase.ExecuteAsync(connectionString, "DELETE FROM dbresilience.backup_history");
            var rebuilt = await service.RebuildCatalogAsync();
            rebuilt.Should().Be(2);
            (await BackupTestDatabase.ScalarAsync<long>(connectionString, "SELECT count(*) FROM dbresilience.backup_history WHERE status = 'completed' AND checksum IS NOT NULL")).Should().Be(2);
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
