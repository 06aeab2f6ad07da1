using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>Checks the age of the newest complete backup in storage: a warning above <see cref="SchedulerOptions.MaxBackupAge"/>, a failure when there is none.</summary>
internal sealed class BackupAgeJob(
    IServiceProvider services,
    IOptions<SchedulerOptions> options,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time) : ServiceJob<IBackupService>(services)
{
    public override NotificationOperation Operation => NotificationOperation.BackupAge;

    protected override async Task<JobRunResult> RunAsync(IBackupService backups, JobRunContext context, CancellationToken cancellationToken)
    {
        var list = await backups.ListAsync(cancellationToken).ConfigureAwait(false);
        if (list.Count == 0)
        {
            return new JobRunResult { Outcome = JobOutcome.Failed, Summary = "no complete backup in storage" };
        }

        var newest = list.MaxBy(b => b.CompletedAt)!;
        var age = time.GetUtcNow() - newest.CompletedAt;
        var limit = options.Value.MaxBackupAge;
        return new JobRunResult
        {
            Outcome = age > limit ? JobOutcome.Warning : JobOutcome.Succeeded,
            Summary = string.Create(CultureInfo.InvariantCulture, $"newest backup {newest.Id} is {age:d\\.hh\\:mm} old (limit {limit:d\\.hh\\:mm})"),
            Database = newest.Database,
            BackupId = newest.Id,
        };
    }
}
