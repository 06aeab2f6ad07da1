using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Health;

/// <summary>Migrations pending (Degraded) or applied scripts that changed since, or are missing (Unhealthy).</summary>
internal sealed class MigrationsHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IMigrationRunner>() is not { } runner)
        {
            return HealthCheckResult.Healthy("No migrations are configured.");
        }

        var validation = await runner.ValidateAsync(cancellationToken).ConfigureAwait(false);
        if (!validation.IsValid)
        {
            return HealthCheckResult.Unhealthy($"{validation.Problems.Count} migration problem(s): {string.Join("; ", validation.Problems.Select(p => p.Message))}");
        }

        var status = await runner.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var pending = status.Where(s => s.Status == MigrationState.Pending).Select(s => s.Version).ToArray();
        var changed = status.Where(s => s.Status is MigrationState.Changed or MigrationState.Missing or MigrationState.Failed)
            .Select(s => $"{s.Version} {s.Status.ToString().ToLowerInvariant()}").ToArray();
        if (changed.Length > 0)
        {
            return HealthCheckResult.Unhealthy($"Applied migrations drifted: {string.Join(", ", changed)}.");
        }

        return pending.Length == 0
            ? HealthCheckResult.Healthy($"{status.Count} migration(s), all applied.")
            : HealthCheckResult.Degraded($"{pending.Length} migration(s) pending: {string.Join(", ", pending)}.");
    }
}
