using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Health;

/// <summary>A scheduled job's last result from the job history: the restore drill (with its RTO against the objective) or the integrity check.</summary>
internal sealed class JobResultHealthCheck(
    IServiceProvider services,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
    string job,
    string what,
    Func<DbResilienceHealthOptions, TimeSpan> degradedAfter) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => JobHistoryHealth.CheckAsync(
            services.GetService<IJobHistory>(),
            job,
            what,
            degradedAfter(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DbResilienceHealthOptions>>().Value),
            time.GetUtcNow(),
            cancellationToken,
            run => run.Rto is { } rto && run.RtoObjective is { } objective && rto > objective
                ? HealthCheckResult.Degraded($"The last {what} ({run.ScheduledFor:u}) passed but took {rto:c}, over its objective of {objective:c}.")
                : null);
}
