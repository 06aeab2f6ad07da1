using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.PostgreSql.Scheduling;

/// <summary>Runs the integrity checks of the protected database: failed on an error, a warning on a warning.</summary>
internal sealed class IntegrityJob(IServiceProvider services) : IScheduledJob
{
    public NotificationOperation Operation => NotificationOperation.Integrity;

    public async Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        var report = await services.GetRequiredService<IIntegrityChecker>().CheckAsync(cancellationToken).ConfigureAwait(false);
        var findings = report.Checks.Where(c => c.Status != IntegrityStatus.Ok).Select(c => $"{c.Name}: {c.Summary}").ToArray();
        return new JobRunResult
        {
            Outcome = report.Status switch
            {
                IntegrityStatus.Ok => JobOutcome.Succeeded,
                IntegrityStatus.Warning => JobOutcome.Warning,
                _ => JobOutcome.Failed,
            },
            Summary = findings.Length == 0 ? $"{report.Checks.Count} checks passed" : string.Join("; ", findings),
            Database = report.Database,
        };
    }
}
