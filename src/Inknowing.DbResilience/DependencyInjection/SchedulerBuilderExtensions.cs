using System.Diagnostics.CodeAnalysis;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Adds the scheduler and scheduled jobs to a <see cref="DbResilienceBuilder"/>.</summary>
public static class SchedulerBuilderExtensions
{
    /// <summary>
    /// Runs the scheduled jobs in the host (a hosted service): the built-in backups, verification, integrity check, drills
    /// and backup-age check on their default schedules (<see cref="SchedulerOptions.Jobs"/>), one replica at a time, each
    /// instant once, recorded in the job history. Needs <c>UsePostgreSql(...)</c> for its locks and history.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the schedule: the time zone, each job's cron expression, timeout and missed-run policy.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder EnableScheduler(this DbResilienceBuilder builder, Action<SchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.TryAddValidatedOptions<SchedulerOptions, SchedulerOptionsValidator>())
        {
            services.AddNotificationCore();
            services.TryAddSingleton<JobSchedule>();
            services.TryAddSingleton<IJobSchedule>(sp => sp.GetRequiredService<JobSchedule>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobScheduler>());
            AddBuiltIn(services, ScheduledJobNames.DailyBackup, (sp, o) => new BackupJob(sp, o, "daily"));
            AddBuiltIn(services, ScheduledJobNames.WeeklyBackup, (sp, o) => new BackupJob(sp, o, "weekly"));
            AddBuiltIn(services, ScheduledJobNames.MonthlyBackup, (sp, o) => new BackupJob(sp, o, "monthly"));
            AddBuiltIn(services, ScheduledJobNames.Verification, (sp, _) => new VerifyJob(sp));
            AddBuiltIn(services, ScheduledJobNames.RestoreDrill, (sp, _) => new DrillJob(sp));
            AddBuiltIn(services, ScheduledJobNames.BackupAge, (sp, o) => new BackupAgeJob(sp, o, sp.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey)));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Adds the application's own scheduled job, or replaces a built-in one of the same name (whatever the order of the
    /// calls), and enables the scheduler.
    /// </summary>
    /// <typeparam name="TJob">The job; created once by the container, so it can take the application's services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The job's name: its key in <see cref="SchedulerOptions.Jobs"/> and in the job history.</param>
    /// <param name="cron">Its cron expression, or <see langword="null"/> to keep the schedule already configured for the name.</param>
    /// <param name="configure">Edits its schedule (timeout, missed-run policy), or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static DbResilienceBuilder AddScheduledJob<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TJob>(
        this DbResilienceBuilder builder, string name, string? cron = null, Action<JobScheduleOptions>? configure = null)
        where TJob : class, IScheduledJob
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.EnableScheduler();
        builder.Services.RemoveAllKeyed<IScheduledJob>(name);
        builder.Services.AddKeyedSingleton<IScheduledJob, TJob>(name);
        builder.Services.Configure<SchedulerOptions>(o =>
        {
            if (!o.Jobs.TryGetValue(name, out var schedule))
            {
                o.Jobs[name] = schedule = new JobScheduleOptions();
            }

            if (cron is not null)
            {
                schedule.Cron = cron;
            }

            configure?.Invoke(schedule);
        });
        return builder;
    }

    private static void AddBuiltIn(IServiceCollection services, string name, Func<IServiceProvider, IOptions<SchedulerOptions>, IScheduledJob> create)
        => services.TryAddKeyedSingleton<IScheduledJob>(name, (sp, _) => create(sp, sp.GetRequiredService<IOptions<SchedulerOptions>>()));
}
