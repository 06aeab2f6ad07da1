using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Scheduling;

namespace Inknowing.DbResilience.Tests.Scheduling;

public sealed class SchedulerOptionsValidatorTests
{
    [Test]
    public void Build_SeveralScheduleMistakes_ReportsEveryOneNamingItsKey()
    {
        var builder = new DbResilienceBuilder().EnableScheduler(o =>
        {
            o.TimeZone = "Mars/Olympus_Mons";
            o.Jobs[ScheduledJobNames.DailyBackup].Cron = "0 25 * * *";
            o.Jobs[ScheduledJobNames.Integrity].Timeout = TimeSpan.Zero;
            o.Jobs["nightly-report"] = new JobScheduleOptions { Cron = "0 1 * * *" };
        });

        var build = () => builder.Build();

        var errors = build.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().HaveCount(4);
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:TimeZone 'Mars/Olympus_Mons'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:Jobs:backup-daily:Cron '0 25 * * *'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:Jobs:integrity:Timeout", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("DbResilience:Scheduler:Jobs:nightly-report names no job", StringComparison.Ordinal)
            && e.Contains("AddScheduledJob<TJob>(\"nightly-report\", cron)", StringComparison.Ordinal));
    }

    [Test]
    public void GetJobs_DefaultSchedule_ListsTheSeedsTimesInTheConfiguredZone()
    {
        using var host = new DbResilienceBuilder().EnableScheduler(o => o.TimeZone = "Europe/Berlin").Build();

        var jobs = host.GetRequiredService<IJobSchedule>().GetJobs(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), nextRuns: 1)
            .ToDictionary(j => j.Name);

        jobs.Keys.Should().BeEquivalentTo(SchedulerOptionsValidator.BuiltInNames);
        jobs[ScheduledJobNames.DailyBackup].Cron.Should().Be("0 2 * * *");
        jobs[ScheduledJobNames.DailyBackup].MissedRuns.Should().Be(MissedRunPolicy.RunOnce);
        jobs[ScheduledJobNames.WeeklyBackup].Cron.Should().Be("0 3 * * 0");
        jobs[ScheduledJobNames.MonthlyBackup].Cron.Should().Be("0 4 1 * *");
        jobs[ScheduledJobNames.Verification].Cron.Should().Be("0 6 * * *");
        jobs[ScheduledJobNames.Integrity].Cron.Should().Be("0 * * * *");
        jobs[ScheduledJobNames.BackupAge].Cron.Should().Be("*/15 * * * *");

        // 02:00 in Berlin on 2 March (winter, UTC+1) is 01:00 UTC.
        jobs[ScheduledJobNames.DailyBackup].NextRuns.Should().Equal(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));

        // Without UsePostgreSql and a storage no job can run here: listed with its schedule, but unavailable.
        jobs.Values.Should().OnlyContain(j => !j.Available && j.NextRuns.Count == 1 && j.TimeZone == "Europe/Berlin");
    }
}
