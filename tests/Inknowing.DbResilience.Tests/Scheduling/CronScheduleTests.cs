using Inknowing.DbResilience.Scheduling;

namespace Inknowing.DbResilience.Tests.Scheduling;

public sealed class CronScheduleTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Test]
    public void Next_DailyAtTwoInBerlin_IsTwoLocalOnBothSidesOfTheDstChange()
    {
        var schedule = CronSchedule.Parse("0 2 * * *", s_berlin);

        // Winter (UTC+1): 02:00 local is 01:00 UTC; summer (UTC+2): 00:00 UTC.
        schedule.Next(new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero)).Should().Be(new DateTimeOffset(2026, 3, 21, 1, 0, 0, TimeSpan.Zero));
        schedule.Next(new DateTimeOffset(2026, 4, 2, 12, 0, 0, TimeSpan.Zero)).Should().Be(new DateTimeOffset(2026, 4, 3, 0, 0, 0, TimeSpan.Zero));
    }

    [Test]
    public void Next_TimeInTheSpringGap_RunsOnceRightAfterTheGap()
    {
        // On 29 March 2026 Berlin's clocks go from 02:00 to 03:00: 02:00 does not exist that day.
        var schedule = CronSchedule.Parse("0 2 * * *", s_berlin);

        var runs = schedule.NextRuns(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), 2);

        runs.Should().Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.Zero));
    }

    [Test]
    public void NextRuns_TimeRepeatedInAutumn_RunsOnce()
    {
        // On 25 October 2026 02:00-03:00 happens twice in Berlin: a 02:30 job runs once.
        var schedule = CronSchedule.Parse("30 2 * * *", s_berlin);

        var runs = schedule.NextRuns(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), 2);

        runs.Should().HaveCount(2);
        runs[0].Should().Be(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero));
        runs[1].Should().Be(new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero));
    }

    [Test]
    public void Previous_MonthlyAndEveryFifteenMinutes_FindsTheLastInstantAtOrBefore()
    {
        var now = new DateTimeOffset(2026, 3, 14, 10, 7, 0, TimeSpan.Zero);

        CronSchedule.Parse("0 4 1 * *", TimeZoneInfo.Utc).Previous(now).Should().Be(new DateTimeOffset(2026, 3, 1, 4, 0, 0, TimeSpan.Zero));
        CronSchedule.Parse("*/15 * * * *", TimeZoneInfo.Utc).Previous(now).Should().Be(new DateTimeOffset(2026, 3, 14, 10, 0, 0, TimeSpan.Zero));
        CronSchedule.Parse("*/15 * * * *", TimeZoneInfo.Utc).Previous(now.AddMinutes(8)).Should().Be(now.AddMinutes(8), "an instant equal to the moment counts");
    }

    [Test]
    public void TryParse_SixFields_ReadsSecondsAndInvalidSaysWhy()
    {
        CronSchedule.TryParse("30 0 2 * * *", TimeZoneInfo.Utc, out var schedule, out _).Should().BeTrue();
        schedule!.Next(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)).Should().Be(new DateTimeOffset(2026, 3, 1, 2, 0, 30, TimeSpan.Zero));

        CronSchedule.TryParse("61 * * * *", TimeZoneInfo.Utc, out _, out var error).Should().BeFalse();
        error.Should().NotBeNullOrEmpty();
    }
}
