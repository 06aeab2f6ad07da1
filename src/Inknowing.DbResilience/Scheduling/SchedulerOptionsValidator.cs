using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>Checks <see cref="SchedulerOptions"/> at start, every problem at once, each naming its configuration key.</summary>
internal sealed class SchedulerOptionsValidator(IServiceProvider services) : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var problems = new List<string>();
        var zone = FindZone(options.TimeZone);
        if (zone is null)
        {
            problems.Add(ZoneProblem(options.TimeZone));
        }

        if (options.MaxBackupAge <= TimeSpan.Zero)
        {
            problems.Add($"DbResilience:Scheduler:MaxBackupAge is {options.MaxBackupAge}: give a positive duration such as 1.01:00:00 (25 hours), or set SchedulerOptions.MaxBackupAge.");
        }

        var keyed = services.GetService<IServiceProviderIsKeyedService>();
        foreach (var (job, schedule) in options.Jobs)
        {
            if (schedule is null)
            {
                problems.Add($"DbResilience:Scheduler:Jobs:{job} is empty: give it a Cron, or set Enabled to false.");
                continue;
            }

            if (schedule.Enabled && !CronSchedule.TryParse(schedule.Cron, zone ?? TimeZoneInfo.Utc, out _, out var error))
            {
                problems.Add(CronProblem(job, schedule.Cron, error));
            }

            if (schedule.Timeout <= TimeSpan.Zero)
            {
                problems.Add($"DbResilience:Scheduler:Jobs:{job}:Timeout is {schedule.Timeout}: give a positive duration such as 01:00:00.");
            }

            if (keyed is not null && !keyed.IsKeyedService(typeof(IScheduledJob), job) && !IsBuiltIn(job))
            {
                problems.Add($"DbResilience:Scheduler:Jobs:{job} names no job: register it with AddScheduledJob<TJob>(\"{job}\", cron), "
                    + $"or use a built-in name ({string.Join(", ", BuiltInNames)}).");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static readonly string[] BuiltInNames =
    [
        ScheduledJobNames.DailyBackup, ScheduledJobNames.WeeklyBackup, ScheduledJobNames.MonthlyBackup, ScheduledJobNames.Verification,
        ScheduledJobNames.Integrity, ScheduledJobNames.RestoreDrill, ScheduledJobNames.PointInTimeDrill, ScheduledJobNames.BackupAge,
    ];

    internal static bool IsBuiltIn(string job) => BuiltInNames.Contains(job, StringComparer.OrdinalIgnoreCase);

    internal static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException)
        {
            return null;
        }
    }

    internal static string ZoneProblem(string? id)
        => $"DbResilience:Scheduler:TimeZone '{id}' is not a time zone this machine knows: give an IANA id such as UTC or Europe/Berlin "
            + "(the tzdata package provides them), or set SchedulerOptions.TimeZone.";

    internal static string CronProblem(string job, string? cron, string? error)
        => $"DbResilience:Scheduler:Jobs:{job}:Cron '{cron}' is not a cron expression ({error}): give five fields, minute hour day-of-month month day-of-week, such as \"0 2 * * *\".";
}
