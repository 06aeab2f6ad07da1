using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Health;

/// <summary>The age of the newest complete backup in storage, overall and per configured tier.</summary>
internal sealed class BackupFreshnessHealthCheck(
    IServiceProvider services,
    IOptions<DbResilienceHealthOptions> options,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backups = await services.GetRequiredService<IBackupService>().ListAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var o = options.Value;
        var problems = new List<(HealthStatus Status, string Text)>();
        var data = new Dictionary<string, object> { ["backups"] = backups.Count };
        var newest = backups.MaxBy(b => b.CompletedAt);
        if (newest is null)
        {
            return HealthCheckResult.Unhealthy("There is no complete backup in storage.", data: data);
        }

        Judge("newest backup", newest, o.BackupDegradedAfter, o.BackupUnhealthyAfter);
        foreach (var (tier, limits) in o.Tiers)
        {
            var newestOfTier = backups.Where(b => string.Equals(b.Tier, tier, StringComparison.OrdinalIgnoreCase)).MaxBy(b => b.CompletedAt);
            if (newestOfTier is null)
            {
                problems.Add((HealthStatus.Unhealthy, $"there is no {tier} backup"));
            }
            else
            {
                Judge($"newest {tier} backup", newestOfTier, limits.DegradedAfter, limits.UnhealthyAfter);
            }
        }

        var status = problems.Count == 0 ? HealthStatus.Healthy : problems.Min(p => p.Status);
        var description = problems.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"The newest backup, {newest.Id}, is {Age(now - newest.CompletedAt)} old.")
            : string.Join("; ", problems.Select(p => p.Text)) + ".";
        return new HealthCheckResult(status, description, data: data);

        void Judge(string what, BackupManifest backup, TimeSpan degraded, TimeSpan unhealthy)
        {
            var age = now - backup.CompletedAt;
            data[what.Replace(' ', '_') + "_age_seconds"] = (long)age.TotalSeconds;
            if (age > unhealthy)
            {
                problems.Add((HealthStatus.Unhealthy, $"the {what}, {backup.Id}, is {Age(age)} old (Unhealthy after {Age(unhealthy)})"));
            }
            else if (age > degraded)
            {
                problems.Add((HealthStatus.Degraded, $"the {what}, {backup.Id}, is {Age(age)} old (Degraded after {Age(degraded)})"));
            }
        }
    }

    internal static string Age(TimeSpan age) => age.TotalHours >= 48
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalDays:F1} days")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:F1} h");
}
