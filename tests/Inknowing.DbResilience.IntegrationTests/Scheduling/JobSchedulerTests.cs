using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>
/// The scheduler against a real database, on a fake clock: two replicas over a simulated month, failing and hanging jobs,
/// catching up after downtime.
/// </summary>
public sealed class JobSchedulerTests
{
    private static readonly DateTimeOffset s_march = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    [CancelAfter(600_000)]
    public async Task ExecuteAsync_TwoReplicasOverAMonth_RunEveryJobAtEachOfItsInstantsExactlyOnce()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("sched_month");
        var time = new FakeTimeProvider(s_march.AddMinutes(-1));
        using var recorder = new JobRecorder();
        await using var a = SchedulerTestHost.Create(connectionString, time, recorder, "a", b => SchedulerTestHost.RecordEveryBuiltInJob(b));
        await using var b = SchedulerTestHost.Create(connectionString, time, recorder, "b", b => SchedulerTestHost.RecordEveryBuiltInJob(b));
        await a.StartAsync();
        await b.StartAsync();

        var expected = ExpectedInstants(s_march, s_march.AddMonths(1));
        foreach (var instant in expected.Select(e => e.ScheduledFor).Distinct().Order())
        {
            time.SetUtcNow(instant);
            await recorder.WaitFinishedAsync(["a", "b"], expected.Where(e => e.ScheduledFor == instant).Select(e => e.Job), instant);
        }

        await a.StopAsync();
        await b.StopAsync();

        var runs = recorder.Runs.ToArray();
        runs.Select(r => (r.Job, r.ScheduledFor)).Should().BeEquivalentTo(expected, "each instant of each job ran, once, whichever replica ran it");
        runs.Should().OnlyContain(r => r.RanAt == r.ScheduledFor, "every run started at its instant, in the clock's time");
        runs.Select(r => r.Instance).Distinct().Should().BeSubsetOf(["a", "b"]);

        var history = await a.Services.GetRequiredService<IJobHistory>().ListAsync(limit: 10_000);
        history.Should().HaveCount(expected.Count);
        history.Should().OnlyContain(r => r.Outcome == JobOutcome.Succeeded && r.FinishedAt != null);
        history.GroupBy(r => (r.Job, r.ScheduledFor)).Should().OnlyContain(g => g.Count() == 1);
        expected.Count(e => e.Job == ScheduledJobNames.WeeklyBackup).Should().Be(5, "March 2026 has five Sundays");
        expected.Count(e => e.Job == ScheduledJobNames.BackupAge).Should().Be(31 * 96);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ExecuteAsync_AJobThrowsAndAnotherHangs_BothAreRecordedAndTheSchedulerGoesOn()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("sched_fail");
        var time = new FakeTimeProvider(s_march.AddMinutes(-1));
        using var recorder = new JobRecorder();
        await using var host = SchedulerTestHost.Create(connectionString, time, recorder, "a", builder =>
        {
            builder.EnableScheduler(o => o.Jobs.Clear());
            builder.AddScheduledJob<ThrowingJob>("throws", "*/5 * * * *");
            builder.AddScheduledJob<HangingJob>("hangs", "*/5 * * * *", o => o.Timeout = TimeSpan.FromMinutes(7));
            builder.AddScheduledJob<RecordingJob>("healthy", "*/5 * * * *");
        });
        var history = host.Services.GetRequiredService<IJobHistory>();
        await host.StartAsync();

        for (var minute = 0; minute <= 30; minute += 5)
        {
            var instant = s_march.AddMinutes(minute);
            time.SetUtcNow(instant);
            await recorder.WaitFinishedAsync(["a"], ["healthy", "throws"], instant);
            if (minute == 0)
            {
                // Its timeout counts from its start: the clock moves on only once it has started.
                await recorder.WaitUntilAsync(r => r.Any(x => x.Job == "hangs" && x.ScheduledFor == s_march), "hangs started at 00:00");
            }

            if (minute == 5)
            {
                // The 00:00 run of the hanging job reaches its timeout at 00:07, while the next instants go on.
                time.SetUtcNow(s_march.AddMinutes(7));
                await recorder.WaitFinishedAsync(["a"], ["hangs"], s_march);
            }
        }

        await WaitForAsync(async () => (await history.ListAsync("throws")).Count(r => r.Outcome == JobOutcome.Failed) == 7);
        await host.StopAsync();

        recorder.Runs.Where(r => r.Job == "healthy").Should().HaveCount(7, "the healthy job ran at every instant while the others failed and hung");
        var thrown = await history.ListAsync("throws");
        thrown.Should().HaveCount(7).And.OnlyContain(r => r.Outcome == JobOutcome.Failed && r.Error == "the job broke on purpose");
        var hung = await history.ListAsync("hangs");

        // 00:00 hangs until its timeout at 00:07; 00:05 is skipped (a job never overlaps itself); 00:10 starts again.
        hung.Where(r => r.Outcome == JobOutcome.TimedOut).Should().Contain(r => r.ScheduledFor == s_march)
            .Which.Error.Should().Contain("did not finish within its timeout of 00:07:00");
        hung.Should().NotContain(r => r.ScheduledFor == s_march.AddMinutes(5));
        hung.Should().Contain(r => r.ScheduledFor == s_march.AddMinutes(10));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ExecuteAsync_StartedAfterDowntime_CatchesUpTheLatestMissedBackupOnceAndOnlyForItsPolicy()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("sched_catchup");
        var time = new FakeTimeProvider(s_march.AddHours(1));
        using var recorder = new JobRecorder();
        void Configure(DbResilienceBuilder builder)
        {
            builder.EnableScheduler(o => o.Jobs.Clear());
            builder.AddScheduledJob<RecordingJob>(ScheduledJobNames.DailyBackup, "0 2 * * *", o => o.MissedRuns = MissedRunPolicy.RunOnce);
            builder.AddScheduledJob<RecordingJob>(ScheduledJobNames.Verification, "0 6 * * *", o => o.MissedRuns = MissedRunPolicy.Skip);
        }

        // A new installation, started on 1 March at 01:00: its history is empty, so the latest backup instant (28 February
        // 02:00) counts as missed and the first backup is taken at once. Then 02:00 and 06:00 run, and at 07:00 it goes down.
        await using (var first = SchedulerTestHost.Create(connectionString, time, recorder, "first", Configure))
        {
            await first.StartAsync();
            await recorder.WaitFinishedAsync(["first"], [ScheduledJobNames.DailyBackup], s_march.AddDays(-1).AddHours(2));
            time.SetUtcNow(s_march.AddHours(2));
            await recorder.WaitFinishedAsync(["first"], [ScheduledJobNames.DailyBackup], s_march.AddHours(2));
            time.SetUtcNow(s_march.AddHours(6));
            await recorder.WaitFinishedAsync(["first"], [ScheduledJobNames.Verification], s_march.AddHours(6));
            time.SetUtcNow(s_march.AddHours(7));
        }

        // Down for three days: back on 4 March at 09:30.
        time.SetUtcNow(s_march.AddDays(3).AddHours(9.5));
        await using (var second = SchedulerTestHost.Create(connectionString, time, recorder, "second", Configure))
        {
            await second.StartAsync();
            await recorder.WaitFinishedAsync(["second"], [ScheduledJobNames.DailyBackup], s_march.AddDays(3).AddHours(2));
            await second.StopAsync();
        }

        // Restarted again the same morning: the catch-up is in the history, so nothing runs twice.
        time.SetUtcNow(s_march.AddDays(3).AddHours(10));
        await using var third = SchedulerTestHost.Create(connectionString, time, recorder, "third", Configure);
        await third.StartAsync();
        time.SetUtcNow(s_march.AddDays(4).AddHours(2));
        await recorder.WaitFinishedAsync(["third"], [ScheduledJobNames.DailyBackup], s_march.AddDays(4).AddHours(2));
        await third.StopAsync();

        var runs = recorder.Runs.ToArray();
        runs[0].Should().Be(new RecordedRun(ScheduledJobNames.DailyBackup, s_march.AddDays(-1).AddHours(2), s_march.AddHours(1), "first", IsCatchUp: true));
        runs[3].Should().Be(new RecordedRun(ScheduledJobNames.DailyBackup, s_march.AddDays(3).AddHours(2), s_march.AddDays(3).AddHours(9.5), "second", IsCatchUp: true),
            "only the latest missed backup (4 March 02:00) is caught up, at start; the verification's policy skips its missed runs");
        runs[4].Should().Be(new RecordedRun(ScheduledJobNames.DailyBackup, s_march.AddDays(4).AddHours(2), s_march.AddDays(4).AddHours(2), "third", IsCatchUp: false));
        var history = await third.Services.GetRequiredService<IJobHistory>().ListAsync();
        history.Should().HaveCount(5);
        history.Where(r => r.IsCatchUp).Select(r => r.ScheduledFor).Should().BeEquivalentTo([s_march.AddDays(-1).AddHours(2), s_march.AddDays(3).AddHours(2)]);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ExecuteAsync_AnotherReplicaHoldsTheJob_SkipsTheInstantAndTheHolderRunsItOnce()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("sched_lock");
        var time = new FakeTimeProvider(s_march.AddMinutes(-1));
        using var recorder = new JobRecorder();
        await using var a = SchedulerTestHost.Create(connectionString, time, recorder, "a", b =>
        {
            b.EnableScheduler(o => o.Jobs.Clear());
            b.AddScheduledJob<RecordingJob>("job", "0 * * * *");
        });

        // Another replica holds the job's lock at 00:00 (it is running it): this one must not run it, nor wait.
        var jobLock = a.Services.GetRequiredService<IJobLock>();
        await a.StartAsync();
        await using (await jobLock.AcquireAsync("job:job"))
        {
            time.SetUtcNow(s_march);
            await recorder.WaitFinishedAsync(["a"], ["job"], s_march);
        }

        time.SetUtcNow(s_march.AddHours(1));
        await recorder.WaitFinishedAsync(["a"], ["job"], s_march.AddHours(1));
        await a.StopAsync();

        recorder.Runs.Should().ContainSingle().Which.ScheduledFor.Should().Be(s_march.AddHours(1));
    }

    /// <summary>The instants of the built-in jobs on their default schedule in [from, to), computed by hand rather than by cron.</summary>
    private static List<(string Job, DateTimeOffset ScheduledFor)> ExpectedInstants(DateTimeOffset from, DateTimeOffset to)
    {
        var expected = new List<(string, DateTimeOffset)>();
        for (var t = from; t < to; t = t.AddMinutes(15))
        {
            expected.Add((ScheduledJobNames.BackupAge, t));
            if (t.Minute == 0)
            {
                expected.Add((ScheduledJobNames.Integrity, t));
            }

            if (t.Minute != 0)
            {
                continue;
            }

            if (t.Hour == 2)
            {
                expected.Add((ScheduledJobNames.DailyBackup, t));
            }

            if (t.Hour == 3 && t.DayOfWeek == DayOfWeek.Sunday)
            {
                expected.Add((ScheduledJobNames.WeeklyBackup, t));
            }

            if (t.Hour == 4 && t.Day == 1)
            {
                expected.Add((ScheduledJobNames.MonthlyBackup, t));
            }

            if (t.Hour == 5 && t.Day == 1)
            {
                expected.Add((ScheduledJobNames.RestoreDrill, t));
            }

            if (t.Hour == 5 && t.Day == 15)
            {
                expected.Add((ScheduledJobNames.PointInTimeDrill, t));
            }

            if (t.Hour == 6)
            {
                expected.Add((ScheduledJobNames.Verification, t));
            }
        }

        return expected;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The condition did not hold within 10 s.");
    }
}
