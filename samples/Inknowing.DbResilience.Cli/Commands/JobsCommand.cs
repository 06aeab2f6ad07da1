using System.CommandLine;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Scheduling;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>
/// <c>dbresilience jobs [--time-zone Z] [--runs N] [--json]</c>: the scheduler's built-in jobs, their cron expressions and
/// next run times and, with a connection, the last run of each from the job history the application's scheduler writes.
/// </summary>
internal static class JobsCommand
{
    private static readonly Option<string> s_timeZone = new("--time-zone")
    {
        Description = "The time zone the cron expressions are read in, an IANA id such as Europe/Berlin (the application's SchedulerOptions.TimeZone).",
        DefaultValueFactory = _ => "UTC",
    };

    private static readonly Option<int> s_runs = new("--runs")
    {
        Description = "How many next run times to show per job.",
        DefaultValueFactory = _ => 3,
    };

    public static Command Create()
    {
        var command = new Command("jobs", "Show the scheduled jobs (the default schedule of EnableScheduler), their next run times and, with a connection, the last run of each from the job history.")
        {
            s_timeZone,
            s_runs,
            GlobalOptions.Json,
        };
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var zone = parse.GetValue(s_timeZone)!;
            var hasConnection = !string.IsNullOrEmpty(CliApplication.GetConnection(parse));
            await using var host = hasConnection
                ? CliApplication.BuildHost(parse, b => b.EnableScheduler(o => o.TimeZone = zone))
                : CliApplication.NewBuilder(parse).EnableScheduler(o => o.TimeZone = zone).Build();
            var jobs = host.GetRequiredService<IJobSchedule>().GetJobs(TimeProvider.System.GetUtcNow(), Math.Max(1, parse.GetValue(s_runs)));
            var history = hasConnection ? await host.GetRequiredService<IJobHistory>().ListAsync(limit: 1000, cancellationToken: cancellationToken) : [];
            var items = jobs.Select(j =>
            {
                var last = history.FirstOrDefault(r => string.Equals(r.Job, j.Name, StringComparison.OrdinalIgnoreCase));
                return new Job(j.Name, j.Cron, j.TimeZone, j.Enabled, j.Available, j.Timeout.TotalSeconds, j.MissedRuns, j.NextRuns,
                    last is null ? null : new LastRun(last.ScheduledFor, last.StartedAt, last.FinishedAt, last.Outcome, last.Summary, last.Error, last.Runner));
            }).ToList();

            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(items);
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"job",-15} {"cron",-14} {"next run (UTC)",-21} last run");
            foreach (var item in items)
            {
                var next = item.NextRuns.Count > 0 ? item.NextRuns[0].ToString("yyyy-MM-dd HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture) : "(disabled)";
                var last = item.LastRun is { } run ? $"{run.ScheduledFor:yyyy-MM-dd HH:mm'Z'} {run.Outcome?.ToString() ?? "running"}: {run.Error ?? run.Summary}" : hasConnection ? "never" : "(give --connection to read the job history)";
                Console.WriteLine($"{item.Name,-15} {item.Cron,-14} {next,-21} {(item.Available ? string.Empty : "(not configured here) ")}{last}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>One job of the <c>--json</c> output.</summary>
    internal sealed record Job(
        string Name,
        string Cron,
        string TimeZone,
        bool Enabled,
        bool Available,
        double TimeoutSeconds,
        MissedRunPolicy MissedRuns,
        IReadOnlyList<DateTimeOffset> NextRuns,
        LastRun? LastRun);

    /// <summary>The last recorded run of a job.</summary>
    internal sealed record LastRun(
        DateTimeOffset ScheduledFor,
        DateTimeOffset StartedAt,
        DateTimeOffset? FinishedAt,
        JobOutcome? Outcome,
        string? Summary,
        string? Error,
        string Runner);
}
