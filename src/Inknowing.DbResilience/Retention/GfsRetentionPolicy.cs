using System.Globalization;

namespace Inknowing.DbResilience.Retention;

/// <summary>
/// Grandfather-father-son retention as a pure function of (backups, now, rules): the newest backup of each of the
/// <see cref="RetentionRules.Daily"/> newest days, <see cref="RetentionRules.Weekly"/> newest ISO weeks and
/// <see cref="RetentionRules.Monthly"/> newest months that have a backup is kept (periods in UTC); the rest is deleted.
/// </summary>
/// <remarks>
/// Safety rules come first and cannot be configured away: the newest completed backup and the newest verified backup
/// are always kept; a backup without a manifest is kept while it may still be running; anything that cannot be
/// classified (unreadable manifest, unknown tier or start time) is kept and reported. Because periods are counted among
/// those that have backups, backups that stop for a while are not all expired.
/// </remarks>
public static class GfsRetentionPolicy
{
    /// <summary>The tiers retention classifies; backups of any other tier are kept and reported.</summary>
    public static readonly IReadOnlyList<string> KnownTiers = ["daily", "weekly", "monthly", "manual"];

    /// <summary>Decides, for each backup, whether to keep or delete it and why.</summary>
    /// <param name="backups">Every backup found in storage, in any order.</param>
    /// <param name="now">The current time.</param>
    /// <param name="rules">The rules.</param>
    /// <returns>The plan, newest first.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="rules"/> are invalid; the message lists why.</exception>
    public static RetentionPlan Plan(IEnumerable<RetentionCandidate> backups, DateTimeOffset now, RetentionRules rules)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(rules);
        var problems = rules.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(rules));
        }

        var all = backups.ToList();
        var decisions = new Dictionary<RetentionCandidate, RetentionDecision>(ReferenceEqualityComparer.Instance);
        var classified = new List<RetentionCandidate>();
        foreach (var backup in all)
        {
            var early = DecideUnclassified(backup, now, rules);
            if (early is null)
            {
                classified.Add(backup);
            }
            else
            {
                decisions[backup] = early;
            }
        }

        classified.Sort((a, b) => Compare(b, a));
        var rulesList = new[]
        {
            new Rule("daily", rules.Daily, DayKey, d => d.AddDays(1)),
            new Rule("weekly", rules.Weekly, WeekKey, d => d.AddDays(7)),
            new Rule("monthly", rules.Monthly, MonthKey, d => d.AddMonths(1)),
        };
        var reasons = new Dictionary<RetentionCandidate, List<string>>(ReferenceEqualityComparer.Instance);
        foreach (var backup in classified)
        {
            reasons[backup] = [];
        }

        var until = new Dictionary<RetentionCandidate, DateTimeOffset>(ReferenceEqualityComparer.Instance);
        var keptBy = new Dictionary<(string Rule, string Period), RetentionCandidate>();
        foreach (var rule in rulesList)
        {
            var count = 0;
            string? lastPeriod = null;
            foreach (var backup in classified)
            {
                var (period, start) = rule.Key(backup.StartedAt!.Value.UtcDateTime);
                if (period == lastPeriod)
                {
                    continue;
                }

                lastPeriod = period;
                keptBy[(rule.Name, period)] = backup;
                if (count >= rule.Count)
                {
                    continue;
                }

                count++;
                reasons[backup].Add(string.Create(CultureInfo.InvariantCulture, $"{rule.Name} #{count} ({period})"));
                var expiry = new DateTimeOffset(Repeat(rule.Next, start, rule.Count + 1), TimeSpan.Zero);
                until[backup] = until.TryGetValue(backup, out var known) && known > expiry ? known : expiry;
            }
        }

        var newest = classified.FirstOrDefault();
        var newestVerified = classified.FirstOrDefault(b => b.State == RetentionCandidateState.Verified);
        foreach (var backup in classified)
        {
            var kept = reasons[backup];
            if (ReferenceEquals(backup, newestVerified))
            {
                kept.Insert(0, "newest verified backup (always kept)");
            }

            if (ReferenceEquals(backup, newest))
            {
                kept.Insert(0, "newest completed backup (always kept)");
            }

            decisions[backup] = kept.Count > 0
                ? new RetentionDecision
                {
                    Id = backup.Id,
                    StartedAt = backup.StartedAt,
                    Action = RetentionAction.Keep,
                    Reason = string.Join("; ", kept),
                    RetainUntil = ReferenceEquals(backup, newestVerified) || !until.TryGetValue(backup, out var expiry) ? null : expiry,
                }
                : new RetentionDecision { Id = backup.Id, StartedAt = backup.StartedAt, Action = RetentionAction.Delete, Reason = ExplainDeletion(backup, rulesList, keptBy) };
        }

        var ordered = all
            .OrderByDescending(b => b.StartedAt ?? DateTimeOffset.MaxValue)
            .ThenByDescending(b => b.Id, StringComparer.Ordinal)
            .Select(b => decisions[b])
            .ToList();
        return new RetentionPlan { Now = now, Decisions = ordered };
    }

    private static RetentionDecision? DecideUnclassified(RetentionCandidate backup, DateTimeOffset now, RetentionRules rules)
    {
        RetentionDecision Keep(string reason) => new() { Id = backup.Id, StartedAt = backup.StartedAt, Action = RetentionAction.Keep, Reason = reason };

        if (backup.StartedAt is not { } started)
        {
            return Keep("cannot classify: its start time is unknown (not a backup id); delete it by hand if it is not needed");
        }

        switch (backup.State)
        {
            case RetentionCandidateState.Unreadable:
                return Keep("cannot classify: its manifest cannot be read; inspect it and delete it by hand if it is not needed");
            case RetentionCandidateState.NoManifest:
                var age = now - started;
                return age < rules.RunningGracePeriod
                    ? Keep($"running: no manifest yet, started {Describe(age)} ago (incomplete backups are deleted {Describe(rules.RunningGracePeriod)} after they start)")
                    : new RetentionDecision
                    {
                        Id = backup.Id,
                        StartedAt = started,
                        Action = RetentionAction.Delete,
                        Reason = $"incomplete: no manifest {Describe(age)} after it started (a failed or killed backup)",
                    };
        }

        if (backup.Tier is null || !KnownTiers.Contains(backup.Tier, StringComparer.Ordinal))
        {
            return Keep($"cannot classify: tier '{backup.Tier}' is not one of {string.Join(", ", KnownTiers)}; delete it by hand if it is not needed");
        }

        return null;
    }

    private static string ExplainDeletion(RetentionCandidate backup, Rule[] rules, Dictionary<(string Rule, string Period), RetentionCandidate> keptBy)
    {
        var parts = new List<string>();
        foreach (var rule in rules)
        {
            var (period, _) = rule.Key(backup.StartedAt!.Value.UtcDateTime);
            var representative = keptBy[(rule.Name, period)];
            parts.Add(ReferenceEquals(representative, backup)
                ? string.Create(CultureInfo.InvariantCulture, $"{rule.Name}: {period} is older than the {rule.Count} newest")
                : string.Create(CultureInfo.InvariantCulture, $"{rule.Name}: {period} has a newer backup ({representative.Id})"));
        }

        return "outside the GFS rules (" + string.Join("; ", parts) + ")";
    }

    private static int Compare(RetentionCandidate a, RetentionCandidate b)
    {
        var byTime = a.StartedAt!.Value.CompareTo(b.StartedAt!.Value);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
    }

    private static (string Period, DateTime Start) DayKey(DateTime utc)
        => (utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), utc.Date);

    private static (string Period, DateTime Start) WeekKey(DateTime utc)
    {
        var start = utc.Date.AddDays(-(((int)utc.DayOfWeek + 6) % 7));
        return (string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(utc)}-W{ISOWeek.GetWeekOfYear(utc):00}"), start);
    }

    private static (string Period, DateTime Start) MonthKey(DateTime utc)
        => (utc.ToString("yyyy-MM", CultureInfo.InvariantCulture), new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc));

    private static DateTime Repeat(Func<DateTime, DateTime> next, DateTime start, int times)
    {
        for (var i = 0; i < times; i++)
        {
            start = next(start);
        }

        return DateTime.SpecifyKind(start, DateTimeKind.Utc);
    }

    private static string Describe(TimeSpan span)
        => span.TotalDays >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0} days")
            : span.TotalHours >= 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} hours")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, span.TotalMinutes):0} minutes");

    private sealed record Rule(string Name, int Count, Func<DateTime, (string Period, DateTime Start)> Key, Func<DateTime, DateTime> Next);
}
