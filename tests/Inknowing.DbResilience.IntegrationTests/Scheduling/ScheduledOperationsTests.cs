using System.Diagnostics.Metrics;
using System.Text.Json;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Scheduling;
using Inknowing.DbResilience.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>
/// The built-in jobs against a real database and storage, their notifications received by a real HTTP server (Slack-style
/// and JSON webhooks, one of them down) and their metrics observed through a <see cref="MeterListener"/>.
/// </summary>
public sealed class ScheduledOperationsTests : StorageDirectoryTests
{
    private static readonly DateTimeOffset s_twoAm = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

    [Test]
    [CancelAfter(180_000)]
    public async Task RunOnceAsync_DailyBackupWithANotifierDown_BacksUpRecordsMeasuresAndNotifiesTheOthers()
    {
        var connectionString = await BackupTestDatabase.CreateShopAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var storage = NewStorage();
        using var listener = new WebhookListener();
        using var recorder = new JobRecorder();
        using var metrics = new MetricsRecorder();
        var time = new FakeTimeProvider(s_twoAm.AddMinutes(-1));
        await using var host = SchedulerTestHost.Create(connectionString, time, recorder, "a", b => b
            .UseFileSystemStorage(storage)
            .EnableScheduler(o =>
            {
                foreach (var name in o.Jobs.Keys.Where(k => k != ScheduledJobNames.DailyBackup).ToArray())
                {
                    o.Jobs.Remove(name);
                }

                o.Jobs[ScheduledJobNames.DailyBackup].MissedRuns = MissedRunPolicy.Skip;
            })
            .ConfigureNotifications(o =>
            {
                o.Source = "shop-test";
                o.RetryDelay = TimeSpan.Zero;
            })
            .AddSlackNotifications(o => o.WebhookUrl = listener.Url("slack/T000/B000/secret-path"))
            .AddWebhookNotifications(o => o.Url = listener.Url("hook"))
            .AddWebhookNotifications(o => o.Url = new Uri($"http://127.0.0.1:{WebhookListener.FreePort()}/down")));
        await host.StartAsync();

        time.SetUtcNow(s_twoAm);
        await recorder.WaitFinishedAsync(["a"], [ScheduledJobNames.DailyBackup], s_twoAm);
        await host.StopAsync();

        var run = (await host.Services.GetRequiredService<IJobHistory>().ListAsync(ScheduledJobNames.DailyBackup)).Should().ContainSingle().Subject;
        run.Outcome.Should().Be(JobOutcome.Succeeded, run.Error ?? run.Summary);
        run.ScheduledFor.Should().Be(s_twoAm);
        var backup = await host.Services.GetRequiredService<IBackupService>().GetAsync(run.BackupId!);
        backup.Tier.Should().Be("daily");
        run.SizeBytes.Should().Be(backup.SizeBytes);

        // Both live webhooks got exactly one notification, although the third is down (and was retried, then given up).
        listener.Requests.Should().HaveCount(2);
        var slack = listener.Requests.Single(r => r.Path.StartsWith("slack/", StringComparison.Ordinal)).Body;
        var text = JsonDocument.Parse(slack).RootElement.GetProperty("text").GetString();
        text.Should().Contain("backup-daily succeeded").And.Contain($"Database: {database}").And.Contain("Source: shop-test").And.Contain(backup.Id);
        var hook = JsonDocument.Parse(listener.Requests.Single(r => r.Path == "hook").Body).RootElement;
        hook.GetProperty("operation").GetString().Should().Be("Backup");
        hook.GetProperty("severity").GetString().Should().Be("Success");
        hook.GetProperty("database").GetString().Should().Be(database);
        hook.GetProperty("job").GetString().Should().Be(ScheduledJobNames.DailyBackup);
        hook.GetProperty("sizeBytes").GetInt64().Should().Be(backup.SizeBytes);
        hook.GetProperty("backupId").GetString().Should().Be(backup.Id);
        listener.Requests.Should().OnlyContain(r => !r.Body.Contains("Password", StringComparison.OrdinalIgnoreCase) && !r.Body.Contains("Host=", StringComparison.Ordinal));

        metrics.Doubles.Should().Contain(m => m.Instrument == DbResilienceTelemetry.JobDuration && m.Tags[DbResilienceTelemetry.JobNameTag] == ScheduledJobNames.DailyBackup
            && m.Tags[DbResilienceTelemetry.JobOutcomeTag] == "succeeded");
        metrics.Longs.Where(m => m.Instrument == DbResilienceTelemetry.BackupBytesWritten).Sum(m => m.Value).Should().Be(backup.SizeBytes);
        // The gauge is the process's (the library's meter is static): other tests' fake clocks may have recorded a later success.
        metrics.ObserveLastSuccess(ScheduledJobNames.DailyBackup).Should().BeGreaterThanOrEqualTo(s_twoAm.ToUnixTimeSeconds());
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task StartAsync_ThreeBackupTiersMissedOnAFreshDatabase_CatchesUpEachInTurnAndNoneFails()
    {
        var connectionString = await BackupTestDatabase.CreateShopAsync();
        using var recorder = new JobRecorder();

        // A Wednesday morning: the daily (02:00 today), weekly (Sunday 03:00) and monthly (the 1st, 04:00) backups were all missed.
        var wednesday = new DateTimeOffset(2026, 3, 4, 5, 0, 0, TimeSpan.Zero);
        var missed = new Dictionary<string, DateTimeOffset>
        {
            [ScheduledJobNames.DailyBackup] = new(2026, 3, 4, 2, 0, 0, TimeSpan.Zero),
            [ScheduledJobNames.WeeklyBackup] = new(2026, 3, 1, 3, 0, 0, TimeSpan.Zero),
            [ScheduledJobNames.MonthlyBackup] = new(2026, 3, 1, 4, 0, 0, TimeSpan.Zero),
        };
        var time = new FakeTimeProvider(wednesday);
        await using var host = SchedulerTestHost.Create(connectionString, time, recorder, "a", b => b
            .UseFileSystemStorage(NewStorage())
            .EnableScheduler(o =>
            {
                foreach (var name in o.Jobs.Keys.Where(k => !missed.ContainsKey(k)).ToArray())
                {
                    o.Jobs.Remove(name);
                }

                // All three are taken at the same fake instant: retention would keep one of them.
                o.PruneAfterBackup = false;
            }));
        await host.StartAsync();
        foreach (var (job, instant) in missed)
        {
            await recorder.WaitFinishedAsync(["a"], [job], instant);
        }

        await host.StopAsync();

        // Started at once, all but one would be refused by the backup lock and recorded as failed.
        var history = host.Services.GetRequiredService<IJobHistory>();
        foreach (var (job, instant) in missed)
        {
            var run = (await history.ListAsync(job)).Should().ContainSingle().Subject;
            run.ScheduledFor.Should().Be(instant);
            run.Outcome.Should().Be(JobOutcome.Succeeded, $"{job}: {run.Error ?? run.Summary}");
        }

        var tiers = (await host.Services.GetRequiredService<IBackupService>().ListAsync()).Select(b => b.Tier).ToList();
        tiers.Should().BeEquivalentTo(["daily", "weekly", "monthly"]);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunOnceAsync_JobFailsWithTheConnectionStringInItsError_NotifiesTheFailureWithoutIt()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("sched_secret");
        var secret = new NpgsqlConnectionStringBuilder(connectionString).Password!;
        using var listener = new WebhookListener();
        using var recorder = new JobRecorder();
        var time = new FakeTimeProvider(s_twoAm.AddMinutes(-1));
        await using var host = SchedulerTestHost.Create(connectionString, time, recorder, "a", b =>
        {
            b.EnableScheduler(o => o.Jobs.Clear());
            b.AddScheduledJob<LeakyJob>("leaky", "0 2 * * *");
            b.Services.AddSingleton(new LeakyJob.Secret(connectionString));
            b.AddWebhookNotifications(o =>
            {
                o.Url = listener.Url("failures");
                o.MinimumSeverity = NotificationSeverity.Failure;
            });
            b.AddWebhookNotifications(o => o.Url = listener.Url("backups-only")).AddWebhookNotifications(o =>
            {
                o.Url = listener.Url("drills-only");
                o.Operations.Add(NotificationOperation.Drill);
            });
        });
        await host.StartAsync();

        time.SetUtcNow(s_twoAm);
        await recorder.WaitFinishedAsync(["a"], ["leaky"], s_twoAm);
        await host.StopAsync();

        listener.Requests.Select(r => r.Path).Should().BeEquivalentTo(["failures", "backups-only"], "the drills-only filter drops a job's notification");
        var failure = listener.Requests.First(r => r.Path == "failures").Body;
        failure.Should().NotContain(secret).And.NotContain("Host=").And.Contain("[connection string removed]");
        JsonDocument.Parse(failure).RootElement.GetProperty("severity").GetString().Should().Be("Failure");
        var run = (await host.Services.GetRequiredService<IJobHistory>().ListAsync("leaky")).Single();
        run.Outcome.Should().Be(JobOutcome.Failed);
    }

    /// <summary>A job whose failure message carries the whole connection string, as a careless driver's might.</summary>
    internal sealed class LeakyJob(LeakyJob.Secret secret) : IScheduledJob
    {
        public Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
            => throw new InvalidOperationException($"could not connect with {secret.ConnectionString}");

        internal sealed record Secret(string ConnectionString);
    }
}
