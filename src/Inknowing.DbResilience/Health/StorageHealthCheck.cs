using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inknowing.DbResilience.Health;

/// <summary>
/// Every configured storage takes a write: a small probe object under <c>health/probe</c>, replaced at each check. A listing is
/// not enough: a file-system storage whose disk is gone lists as empty, and the next backup is what must be able to write.
/// </summary>
internal sealed class StorageHealthCheck(IServiceProvider services) : IHealthCheck
{
    /// <summary>The key of the probe object.</summary>
    public const string ProbeKey = "health/probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storages = services.GetRequiredService<IStorageSet>().Providers;
        var failures = new List<string>();
        foreach (var storage in storages)
        {
            try
            {
                using var probe = new MemoryStream("dbresilience health probe\n"u8.ToArray());
                await storage.WriteAsync(ProbeKey, probe, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException or HttpRequestException)
            {
                failures.Add($"{storage.Name}: {ex.Message}");
            }
        }

        return failures.Count == 0
            ? HealthCheckResult.Healthy($"{storages.Count} storage(s) reachable and writable: {string.Join(", ", storages.Select(s => s.Name))}.")
            : HealthCheckResult.Unhealthy($"{failures.Count} of {storages.Count} storage(s) unreachable: {string.Join("; ", failures)}");
    }
}
