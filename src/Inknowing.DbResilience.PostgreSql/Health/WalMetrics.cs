using System.Diagnostics.Metrics;
using Inknowing.DbResilience.Telemetry;

namespace Inknowing.DbResilience.PostgreSql.Health;

/// <summary>
/// The PostgreSQL package's gauges (names in <see cref="DbResilienceTelemetry"/>), fed by the WAL health checks: a gauge's
/// callback must not query a server, so it reports what the last check saw.
/// </summary>
internal static class WalMetrics
{
    private static readonly Meter s_meter = new(DbResilienceTelemetry.Name, typeof(WalMetrics).Assembly.GetName().Version?.ToString());

    static WalMetrics()
    {
        s_meter.CreateObservableGauge(DbResilienceTelemetry.WalArchiveLag, () => Observe(ArchiveLagSeconds), "s", "The age of the last archived WAL segment while complete segments wait.");
        s_meter.CreateObservableGauge(DbResilienceTelemetry.WalReceiverLag, () => Observe(ReceiverLagBytes), "By", "How far the WAL receiver's slot is behind the server.");
    }

    public static double? ArchiveLagSeconds { get; set; }

    public static double? ReceiverLagBytes { get; set; }

    private static IEnumerable<Measurement<double>> Observe(double? value)
        => value is { } v ? [new Measurement<double>(v)] : [];
}
