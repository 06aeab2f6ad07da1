using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>The configured jobs resolved against their implementations (keyed <see cref="IScheduledJob"/> services).</summary>
internal sealed class JobSchedule(IServiceProvider services, IOptions<SchedulerOptions> options) : IJobSchedule
{
    public IReadOnlyList<ScheduledJobInfo> GetJobs(DateTimeOffset from, int nextRuns = 3)
        => Plan().Select(p => new ScheduledJobInfo
        {
            Name = p.Name,
            Cron = p.Options.Cron ?? string.Empty,
            TimeZone = options.Value.TimeZone,
            Enabled = p.Options.Enabled,
            Available = p.Job?.IsAvailable == true,
            Timeout = p.Options.Timeout,
            MissedRuns = p.Options.MissedRuns,
            NextRuns = p.Options.Enabled ? p.Schedule.NextRuns(from, nextRuns) : Array.Empty<DateTimeOffset>(),
        }).ToArray();

    /// <summary>Resolves every configured job: its schedule and its implementation (or none).</summary>
    /// <exception cref="DbResilienceConfigurationException">The time zone or a cron expression is invalid.</exception>
    public IReadOnlyList<PlannedJob> Plan()
    {
        var zone = SchedulerOptionsValidator.FindZone(options.Value.TimeZone)
            ?? throw new DbResilienceConfigurationException(SchedulerOptionsValidator.ZoneProblem(options.Value.TimeZone));
        var planned = new List<PlannedJob>();
        foreach (var (name, job) in options.Value.Jobs.OrderBy(j => j.Key, StringComparer.Ordinal))
        {
            if (!CronSchedule.TryParse(job.Cron, zone, out var schedule, out var error))
            {
                throw new DbResilienceConfigurationException(SchedulerOptionsValidator.CronProblem(name, job.Cron, error));
            }

            planned.Add(new PlannedJob(name, job, schedule!, services.GetKeyedService<IScheduledJob>(name)));
        }

        return planned;
    }
}

/// <summary>A configured job: its name, options, parsed schedule and implementation.</summary>
internal sealed record PlannedJob(string Name, JobScheduleOptions Options, CronSchedule Schedule, IScheduledJob? Job)
{
    /// <summary>Gets whether the scheduler runs it: enabled, implemented and available here.</summary>
    public bool Runs => Options.Enabled && Job is { IsAvailable: true };
}
