using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>Two processes never run the same job on one database: a backup, a prune or a drill held elsewhere is refused.</summary>
public sealed class BackupJobLockTests : StorageDirectoryTests
{
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connectionString = await BackupTestDatabase.CreateShopAsync();

    [Test]
    public async Task CreateAsync_BackupRunningElsewhere_RefusesNamingTheHolderAndStoresNothing()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage]);
        var service = host.GetRequiredService<IBackupService>();

        await using (await HoldAsync("backup"))
        {
            var create = () => service.CreateAsync();

            var refused = (await create.Should().ThrowAsync<ConcurrentJobException>()).Which;
            refused.Job.Should().Be("backup");
            refused.IsTransient.Should().BeTrue();
            refused.Message.Should().Contain("Another backup of database").And.Contain("application 'other-replica'").And.Contain("nothing was done");
            Directory.Exists(Path.Combine(storage, "backups")).Should().BeFalse();
        }

        var created = await service.CreateAsync();
        created.Manifest.Status.Should().Be(BackupStatus.Completed);
    }

    [Test]
    public async Task PruneAndDrill_RunningElsewhere_AreRefusedButADryRunIsNot()
    {
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [NewStorage()]);
        var service = host.GetRequiredService<IBackupService>();

        await using (await HoldAsync("prune"))
        await using (await HoldAsync("drill"))
        {
            var prune = () => service.PruneAsync();
            var drill = () => host.GetRequiredService<IDrillRunner>().RunAsync();

            (await prune.Should().ThrowAsync<ConcurrentJobException>()).Which.Job.Should().Be("prune");
            (await drill.Should().ThrowAsync<ConcurrentJobException>()).Which.Job.Should().Be("drill");
            (await service.PruneAsync(dryRun: true)).DryRun.Should().BeTrue();
        }
    }

    /// <summary>Takes a job's lock from another session, as a second replica running that job would.</summary>
    private async Task<NpgsqlConnection> HoldAsync(string job)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = "other-replica" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLock.KeyFor(job, DbResilienceOptions.DefaultSchema)})", connection);
        await command.ExecuteScalarAsync();
        return connection;
    }
}
