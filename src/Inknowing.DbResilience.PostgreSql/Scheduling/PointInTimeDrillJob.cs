using System.Globalization;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.PostgreSql.Scheduling;

/// <summary>The point-in-time recovery drill, available where point-in-time recovery is enabled.</summary>
internal sealed class PointInTimeDrillJob(IServiceProvider services) : IScheduledJob
{
    public NotificationOperation Operation => NotificationOperation.Drill;

    public bool IsAvailable => services.GetService<PointInTimeDrill>() is not null;

    public async Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        var report = await services.GetRequiredService<PointInTimeDrill>().RunAsync(cancellationToken).ConfigureAwait(false);
        var failed = report.Steps.FirstOrDefault(s => !s.Passed);
        return new JobRunResult
        {
            Outcome = report.Passed ? JobOutcome.Succeeded : JobOutcome.Failed,
            Summary = report.Passed
                ? string.Create(CultureInfo.InvariantCulture, $"recovered to {report.TargetTime:u} from base backup {report.BackupId}, RTO {report.Rto:c}")
                : $"point-in-time drill failed at step {failed?.Name}: {failed?.Details}",
            BackupId = report.BackupId,
            Rto = report.Rto,
        };
    }
}
