using System.Globalization;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Health;

/// <summary>Judges a job by its last finished run in the job history: its outcome and its age.</summary>
internal static class JobHistoryHealth
{
    public static async Task<HealthCheckResult> CheckAsync(
        IJobHistory? history, string job, string what, TimeSpan degradedAfter, DateTimeOffset now, CancellationToken cancellationToken,
        Func<JobRun, HealthCheckResult?>? judge = null)
    {
        if (history is null)
        {
            return HealthCheckResult.Degraded($"No job history to read the last {what} from: call UsePostgreSql(...) and EnableScheduler().");
        }

        var runs = await history.ListAsync(job, 20, cancellationToken).ConfigureAwait(false);
        var last = runs.FirstOrDefault(r => r.Outcome is not null and not JobOutcome.Cancelled);
        if (last is null)
        {
            return HealthCheckResult.Degraded($"No {what} has run yet (job {job}).");
        }

        var age = now - (last.FinishedAt ?? last.StartedAt);
        var data = new Dictionary<string, object>
        {
            ["job"] = job,
            ["outcome"] = last.Outcome!.Value.ToString(),
            ["finishedAt"] = (last.FinishedAt ?? last.StartedAt).ToString("O", CultureInfo.InvariantCulture),
            ["ageSeconds"] = (long)age.TotalSeconds,
        };
        if (last.Outcome is JobOutcome.Failed or JobOutcome.TimedOut)
        {
            return HealthCheckResult.Unhealthy($"The last {what} ({last.ScheduledFor:u}) {(last.Outcome == JobOutcome.TimedOut ? "timed out" : "failed")}: {last.Error ?? last.Summary}", data: data);
        }

        if (judge?.Invoke(last) is { } judged)
        {
            return new HealthCheckResult(judged.Status, judged.Description, data: data);
        }

        if (age > degradedAfter)
        {
            return HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"The last {what} finished {age:d\\.hh\\:mm} ago, more than {degradedAfter:d\\.hh\\:mm}."), data: data);
        }

        return last.Outcome == JobOutcome.Warning
            ? HealthCheckResult.Degraded($"The last {what} found something: {last.Summary}", data: data)
            : HealthCheckResult.Healthy($"The last {what} succeeded ({last.ScheduledFor:u}): {last.Summary}", data);
    }
}
