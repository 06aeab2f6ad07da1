using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Tests.Infrastructure;

namespace Inknowing.DbResilience.Tests.Retention;

public sealed class GfsRetentionPolicyTests
{
    private static readonly RetentionRules Defaults = new();

    [Test]
    public void Plan_YearOfDailyBackupsPrunedEveryDay_KeepsExactlyTheGfsSet()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero));
        var stored = new List<RetentionCandidate>();
        var end = new DateTimeOffset(2026, 12, 31, 2, 0, 0, TimeSpan.Zero);
        while (clock.GetUtcNow() <= end)
        {
            stored.Add(Completed(clock.GetUtcNow(), "daily"));
            clock.Advance(TimeSpan.FromMinutes(30));

            var plan = GfsRetentionPolicy.Plan(stored, clock.GetUtcNow(), Defaults);

            plan.Decisions.Should().HaveCount(stored.Count);
            var newest = stored[^1].Id;
            plan.Kept.Should().Contain(d => d.Id == newest, "the newest backup is always kept");
            plan.Kept.Count().Should().BeLessThanOrEqualTo(7 + 4 + 12);
            var deleted = plan.Deleted.Select(d => d.Id).ToHashSet();
            stored.RemoveAll(b => deleted.Contains(b.Id));
            clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(30));
        }

        var expected = ExpectedGfsDays(new DateOnly(2026, 12, 31));
        stored.Select(b => DateOnly.FromDateTime(b.StartedAt!.Value.UtcDateTime)).Should().BeEquivalentTo(expected);
        expected.Should().HaveCount(20, "7 days, the Sundays of 2 older weeks, and the last day of 11 older months");
    }

    [Test]
    public void Plan_YearOfDailyBackupsPrunedOnce_MatchesDailyPruning()
    {
        var all = Enumerable.Range(0, 365)
            .Select(i => Completed(new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero).AddDays(i), "daily"))
            .ToList();

        var plan = GfsRetentionPolicy.Plan(all, new DateTimeOffset(2026, 12, 31, 3, 0, 0, TimeSpan.Zero), Defaults);

        plan.Kept.Select(d => DateOnly.FromDateTime(d.StartedAt!.Value.UtcDateTime))
            .Should().BeEquivalentTo(ExpectedGfsDays(new DateOnly(2026, 12, 31)));
    }

    [Test]
    public void Plan_DeletedBackup_ReasonNamesEveryRule()
    {
        var all = Enumerable.Range(0, 20)
            .Select(i => Completed(new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero).AddDays(i), "daily"))
            .ToList();

        var plan = GfsRetentionPolicy.Plan(all, new DateTimeOffset(2026, 3, 21, 0, 0, 0, TimeSpan.Zero), Defaults);

        var deleted = plan.Deleted.Single(d => d.StartedAt!.Value.Day == 3);
        deleted.Reason.Should().StartWith("outside the GFS rules").And.Contain("daily: 2026-03-03 is older than the 7 newest")
            .And.Contain("weekly: 2026-W10 has a newer backup").And.Contain("monthly: 2026-03 has a newer backup");
        plan.Kept.Single(d => d.StartedAt!.Value.Day == 20).Reason.Should().Contain("newest completed backup").And.Contain("daily #1 (2026-03-20)");
        plan.Kept.Single(d => d.StartedAt!.Value.Day == 8).Reason.Should().Be("weekly #3 (2026-W10)");
    }

    [Test]
    public void Plan_OldVerifiedBackup_IsKeptAsNewestVerified()
    {
        var all = Enumerable.Range(0, 400)
            .Select(i => Completed(new DateTimeOffset(2025, 1, 1, 2, 0, 0, TimeSpan.Zero).AddDays(i), "daily"))
            .ToList();
        all[0] = all[0] with { State = RetentionCandidateState.Verified };

        var plan = GfsRetentionPolicy.Plan(all, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), Defaults);

        var decision = plan.Decisions.Single(d => d.Id == all[0].Id);
        decision.Action.Should().Be(RetentionAction.Keep);
        decision.Reason.Should().Contain("newest verified backup");
    }

    [Test]
    public void Plan_BackupWithoutManifest_KeptWhileRunningThenDeletedAsIncomplete()
    {
        var now = new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero);
        var running = new RetentionCandidate { Id = BackupId.New(now.AddHours(-2), "daily").Value, StartedAt = now.AddHours(-2), Tier = "daily", State = RetentionCandidateState.NoManifest };
        var killed = new RetentionCandidate { Id = BackupId.New(now.AddDays(-3), "daily").Value, StartedAt = now.AddDays(-3), Tier = "daily", State = RetentionCandidateState.NoManifest };

        var plan = GfsRetentionPolicy.Plan([running, killed, Completed(now.AddDays(-1), "daily")], now, Defaults);

        plan.Decisions.Single(d => d.Id == running.Id).Should().Match<RetentionDecision>(d => d.Action == RetentionAction.Keep && d.Reason.StartsWith("running"));
        plan.Decisions.Single(d => d.Id == killed.Id).Should().Match<RetentionDecision>(d => d.Action == RetentionAction.Delete && d.Reason.StartsWith("incomplete"));
    }

    [Test]
    public void Plan_UnclassifiableBackups_AreKeptWithAReason()
    {
        var now = new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero);
        var old = now.AddYears(-3);
        var unreadable = new RetentionCandidate { Id = BackupId.New(old, "daily").Value, StartedAt = old, Tier = "daily", State = RetentionCandidateState.Unreadable };
        var unknownTier = new RetentionCandidate { Id = BackupId.New(old, "hourly").Value, StartedAt = old, Tier = "hourly", State = RetentionCandidateState.Completed };
        var notAnId = new RetentionCandidate { Id = "something-else", State = RetentionCandidateState.NoManifest };

        var plan = GfsRetentionPolicy.Plan([unreadable, unknownTier, notAnId, Completed(now, "daily")], now, Defaults);

        plan.Deleted.Should().BeEmpty();
        plan.Decisions.Where(d => d.Reason.StartsWith("cannot classify", StringComparison.Ordinal)).Should().HaveCount(3);
    }

    [Test]
    public void Plan_BackupsStoppedLongAgo_StillKeepsTheNewestDays()
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var all = Enumerable.Range(0, 10).Select(i => Completed(now.AddDays(-70 + i), "daily")).ToList();

        var plan = GfsRetentionPolicy.Plan(all, now, Defaults);

        plan.Kept.Should().HaveCountGreaterThanOrEqualTo(7, "periods are counted among those that have backups, not back from now");
    }

    [Test]
    public void Plan_KeptDaily_RetainUntilIsAfterSevenMoreDays()
    {
        var started = new DateTimeOffset(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
        var backups = new[] { Completed(started, "daily"), Completed(started.AddDays(1), "daily") };

        var plan = GfsRetentionPolicy.Plan(backups, started.AddDays(1).AddHours(1), new RetentionRules { Daily = 7, Weekly = 0, Monthly = 0 });

        plan.Decisions.Single(d => d.Id == backups[0].Id).RetainUntil.Should().Be(new DateTimeOffset(2026, 3, 18, 0, 0, 0, TimeSpan.Zero));
    }

    [Test]
    public void Plan_RulesThatKeepNothing_Throws()
    {
        var act = () => GfsRetentionPolicy.Plan([], DateTimeOffset.UnixEpoch, new RetentionRules { Daily = 0, Weekly = 0, Monthly = 0 });

        act.Should().Throw<ArgumentException>().WithMessage("*keep nothing*");
    }

    private static RetentionCandidate Completed(DateTimeOffset startedAt, string tier)
        => new() { Id = BackupId.New(startedAt, tier).Value, StartedAt = startedAt, Tier = tier, State = RetentionCandidateState.Completed };

    /// <summary>The GFS rule written out for daily backups: the last 7 days, the Sunday of the 3 weeks before the current one, the last day of the 11 months before the current one.</summary>
    private static HashSet<DateOnly> ExpectedGfsDays(DateOnly last)
    {
        var days = new HashSet<DateOnly>();
        for (var i = 0; i < 7; i++)
        {
            days.Add(last.AddDays(-i));
        }

        var sunday = last.AddDays(-(((int)last.DayOfWeek + 6) % 7) - 1);
        days.Add(last);
        for (var i = 0; i < 3; i++)
        {
            days.Add(sunday.AddDays(-7 * i));
        }

        var month = new DateOnly(last.Year, last.Month, 1);
        for (var i = 1; i < 12; i++)
        {
            var start = month.AddMonths(-i);
            days.Add(new DateOnly(start.Year, start.Month, DateTime.DaysInMonth(start.Year, start.Month)));
        }

        return days;
    }
}
