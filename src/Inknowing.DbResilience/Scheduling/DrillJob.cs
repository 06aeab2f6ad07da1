using System.Globalization;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Telemetry;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>Restores the latest backup into a scratch copy, verifies it and measures the recovery time.</summary>
internal sealed class DrillJob(IServiceProvider services) : ServiceJob<IDrillRunner>(services)
{
    public override NotificationOperation Operation => NotificationOperation.Drill;

    protected override async Task<JobRunResult> RunAsync(IDrillRunner drills, JobRunContext context, CancellationToken cancellationToken)
    {
        var report = await drills.RunAsync("latest", cancellationToken).ConfigureAwait(false);
        if (report.Rto is { } rto)
        {
            LibraryMetrics.DrillRto.Record(rto.TotalSeconds, new KeyValuePair<string, object?>("dbresilience.drill.passed", report.Passed));
        }

        return new JobRunResult
        {
            Outcome = report.Passed ? JobOutcome.Succeeded : JobOutcome.Failed,
            Summary = report.Passed
                ? string.Create(CultureInfo.InvariantCulture, $"backup {report.BackupId} restored and verified, RTO {report.Rto:c} (objective {report.RtoObjective:c})")
                : $"drill of backup {report.BackupId ?? "(none)"} failed: {report.FailureReason}",
            BackupId = report.BackupId,
            Rto = report.Rto,
            RtoObjective = report.RtoObjective,
        };
    }
}
