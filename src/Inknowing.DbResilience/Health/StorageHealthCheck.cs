using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Health;

/// <summary>Every configured storage answers a listing of its backups.</summary>
internal sealed class StorageHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storages = services.GetRequiredService<IStorageSet>().Providers;
        var failures = new List<string>();
        foreach (var storage in storages)
        {
            try
            {
                await foreach (var _ in storage.ListAsync("backups/", cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException or HttpRequestException)
            {
                failures.Add($"{storage.Name}: {ex.Message}");
            }
        }

        return failures.Count == 0
            ? HealthCheckResult.Healthy($"{storages.Count} storage(s) reachable: {string.Join(", ", storages.Select(s => s.Name))}.")
            : HealthCheckResult.Unhealthy($"{failures.Count} of {storages.Count} storage(s) unreachable: {string.Join("; ", failures)}");
    }
}
