using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Inknowing.DbResilience.IntegrationTests.Health;

/// <summary>The library's health checks against a real PostgreSQL server and storage, in their states, on a fake clock.</summary>
public sealed class HealthCheckTests : StorageDirectoryTests
{
    [Test]
    public async Task BackupFreshness_AsTheNewestBackupAges_IsHealthyThenDegradedThenUnhealthy()
    {
        var connectionString = await BackupTestDatabase.CreateShopAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Build(connectionString, NewStorage(), time);
        (await CheckAsync(host, HealthCheckNames.BackupFreshness)).Status.Should().Be(HealthStatus.Unhealthy, "there is no backup yet");

        await host.GetRequiredService<Inknowing.DbResilience.Backups.IBackupService>().CreateAsync();
        (await CheckAsync(host, HealthCheckNames.BackupFreshness)).Status.Should().Be(HealthStatus.Healthy);

        time.Advance(TimeSpan.FromHours(13));
        var degraded = await CheckAsync(host, HealthCheckNames.BackupFreshness);
        degraded.Status.Should().Be(HealthStatus.Degraded);
        degraded.Description.Should().Contain("Degraded after 12.0 h");

        time.Advance(TimeSpan.FromHours(13));
        (await CheckAsync(host, HealthCheckNames.BackupFreshness)).Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Test]
    public async Task JobChecks_FromTheJobHistory_ReportNoRunFailureSuccessAndAge()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("health_jobs");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Build(connectionString, NewStorage(), time);
        var history = host.GetRequiredService<IJobHistory>();
        (await CheckAsync(host, HealthCheckNames.Integrity)).Status.Should().Be(HealthStatus.Degraded, "no integrity check has run");

        await RecordAsync(history, ScheduledJobNames.Integrity, time, new JobRunResult { Outcome = JobOutcome.Failed, Summary = "orphaned rows" }, "orphaned rows");
        var failed = await CheckAsync(host, HealthCheckNames.Integrity);
        failed.Status.Should().Be(HealthStatus.Unhealthy);
        failed.Description.Should().Contain("failed: orphaned rows");

        time.Advance(TimeSpan.FromMinutes(1));
        await RecordAsync(history, ScheduledJobNames.Integrity, time, JobRunResult.Success("12 checks passed"), null);
        (await CheckAsync(host, HealthCheckNames.Integrity)).Status.Should().Be(HealthStatus.Healthy);
        time.Advance(TimeSpan.FromHours(3));
        (await CheckAsync(host, HealthCheckNames.Integrity)).Status.Should().Be(HealthStatus.Degraded, "the last check is older than 2 hours");

        await RecordAsync(history, ScheduledJobNames.RestoreDrill, time, new JobRunResult
        {
            Outcome = JobOutcome.Succeeded,
            Rto = TimeSpan.FromMinutes(75),
            RtoObjective = TimeSpan.FromHours(1),
        }, null);
        var slow = await CheckAsync(host, HealthCheckNames.Drill);
        slow.Status.Should().Be(HealthStatus.Degraded);
        slow.Description.Should().Contain("over its objective of 01:00:00");
    }

    [Test]
    public async Task StorageAndArchiving_UnreachableStorageAndArchivingOff_AreUnhealthyAndHealthy()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("health_storage");
        var storage = Path.Combine(NewStorage(), "backups-disk");
        Directory.CreateDirectory(storage);
        await using var host = Build(connectionString, storage, TimeProvider.System);
        (await CheckAsync(host, HealthCheckNames.Storage)).Status.Should().Be(HealthStatus.Healthy);

        // The disk is gone and something else is mounted in its place.
        Directory.Delete(storage, recursive: true);
        await File.WriteAllTextAsync(storage, "a file where the storage's directory should be");

        (await CheckAsync(host, HealthCheckNames.Storage)).Status.Should().Be(HealthStatus.Unhealthy);
        var archiving = await CheckAsync(host, HealthCheckNames.WalArchiving);
        archiving.Status.Should().Be(HealthStatus.Healthy, archiving.Description);
        (await CheckAsync(host, HealthCheckNames.Migrations)).Description.Should().Be("No migrations are configured.");
        (await CheckAsync(host, HealthCheckNames.WalReceiver)).Description.Should().Contain("not enabled");
    }

    private static DbResilienceHost Build(string connectionString, string storage, TimeProvider time)
        => new DbResilienceBuilder()
            .UsePostgreSql(connectionString)
            .UseFileSystemStorage(storage)
            .UseTimeProvider(time)
            .EnableHealthChecks()
            .Build();

    private static async Task<HealthReportEntry> CheckAsync(DbResilienceHost host, string name)
    {
        var report = await host.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return report.Entries[name];
    }

    private static async Task RecordAsync(IJobHistory history, string job, FakeTimeProvider time, JobRunResult result, string? failure)
    {
        var id = await history.TryStartAsync(new JobRunContext { JobName = job, ScheduledFor = time.GetUtcNow(), IsCatchUp = false }, time.GetUtcNow(), "test");
        await history.FinishAsync(id!.Value, time.GetUtcNow(), result, failure);
    }
}
