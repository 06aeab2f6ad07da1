using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Health;

/// <summary>
/// The last verification: the scheduled job's last run when there is one, else the newest backup's own verification mark
/// (an operator's <c>dbresilience verify</c>).
/// </summary>
internal sealed class VerificationHealthCheck(
    IServiceProvider services,
    IOptions<DbResilienceHealthOptions> options,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var history = services.GetService<IJobHistory>();
        var now = time.GetUtcNow();
        if (history is not null && (await history.ListAsync(ScheduledJobNames.Verification, 1, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return await JobHistoryHealth.CheckAsync(history, ScheduledJobNames.Verification, "verification", options.Value.VerificationDegradedAfter, now, cancellationToken).ConfigureAwait(false);
        }

        var newest = (await services.GetRequiredService<IBackupService>().ListAsync(cancellationToken).ConfigureAwait(false)).MaxBy(b => b.CompletedAt);
        if (newest?.VerifiedAt is not { } verifiedAt)
        {
            return HealthCheckResult.Degraded(newest is null ? "There is no backup to verify." : $"The newest backup, {newest.Id}, has not been verified.");
        }

        var age = now - verifiedAt;
        return age > options.Value.VerificationDegradedAfter
            ? HealthCheckResult.Degraded($"The newest backup, {newest.Id}, was last verified {BackupFreshnessHealthCheck.Age(age)} ago.")
            : HealthCheckResult.Healthy($"The newest backup, {newest.Id}, was verified {BackupFreshnessHealthCheck.Age(age)} ago.");
    }
}
