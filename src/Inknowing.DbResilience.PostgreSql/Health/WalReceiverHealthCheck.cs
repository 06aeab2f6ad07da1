using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Health;

/// <summary>
/// The WAL receiver (<c>EnableWalStreaming</c>): its replication slot must be active, and its lag behind the server's
/// current WAL position under <see cref="DbResilienceHealthOptions.ReceiverLagDegradedBytes"/>.
/// </summary>
internal sealed class WalReceiverHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<WalReceiverService>() is null)
        {
            WalMetrics.ReceiverLagBytes = null;
            return HealthCheckResult.Healthy("WAL streaming is not enabled (EnableWalStreaming).");
        }

        var slot = services.GetRequiredService<IOptions<PointInTimeOptions>>().Value.SlotName;
        var dataSource = services.GetRequiredKeyedService<NpgsqlDataSource>(DbResilienceBuilder.ServiceKey);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT active, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), coalesce(confirmed_flush_lsn, restart_lsn))::bigint
                FROM pg_catalog.pg_replication_slots WHERE slot_name = $1
                """,
                connection)
            {
                Parameters = { new NpgsqlParameter { Value = slot } },
            };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                WalMetrics.ReceiverLagBytes = null;
                return HealthCheckResult.Unhealthy($"The WAL receiver's replication slot '{slot}' does not exist: WAL is not being streamed.");
            }

            var active = reader.GetBoolean(0);
            var lag = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
            WalMetrics.ReceiverLagBytes = lag;
            var data = new Dictionary<string, object> { ["slot"] = slot, ["active"] = active, ["lagBytes"] = lag };
            var limit = services.GetRequiredService<IOptions<DbResilienceHealthOptions>>().Value.ReceiverLagDegradedBytes;
            if (!active)
            {
                return HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The WAL receiver's slot '{slot}' is not active: nothing streams WAL ({lag} bytes behind)."), data: data);
            }

            return lag > limit
                ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"The WAL receiver is {lag} bytes behind the server (limit {limit})."), data: data)
                : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"The WAL receiver streams, {lag} bytes behind."), data);
        }
    }
}
