using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inknowing.DbResilience.Telemetry;

/// <summary>The core package's meter, activity source and instruments (names in <see cref="DbResilienceTelemetry"/>).</summary>
internal static class LibraryMetrics
{
    private static readonly ConcurrentDictionary<string, long> s_lastSuccess = new(StringComparer.Ordinal);

    public static readonly ActivitySource ActivitySource = new(DbResilienceTelemetry.Name, typeof(LibraryMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(DbResilienceTelemetry.Name, typeof(LibraryMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        DbResilienceTelemetry.JobDuration, "s", "The duration of each scheduled job run.");

    public static readonly Counter<long> BackupBytesWritten = Meter.CreateCounter<long>(
        DbResilienceTelemetry.BackupBytesWritten, "By", "The bytes of backups written.");

    public static readonly Histogram<double> DrillRto = Meter.CreateHistogram<double>(
        DbResilienceTelemetry.DrillRto, "s", "The recovery time each drill measured.");

    static LibraryMetrics()
    {
        Meter.CreateObservableGauge(
            DbResilienceTelemetry.JobLastSuccess,
            () => s_lastSuccess.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>(DbResilienceTelemetry.JobNameTag, p.Key))),
            "s",
            "When each scheduled job last succeeded, in seconds since the Unix epoch.");
    }

    /// <summary>Records a job run: its duration, and its time when it succeeded.</summary>
    public static void RecordJobRun(string job, string outcome, TimeSpan duration, DateTimeOffset finishedAt, bool succeeded)
    {
        JobDuration.Record(
            duration.TotalSeconds,
            new KeyValuePair<string, object?>(DbResilienceTelemetry.JobNameTag, job),
            new KeyValuePair<string, object?>(DbResilienceTelemetry.JobOutcomeTag, outcome));
        if (succeeded)
        {
            s_lastSuccess.AddOrUpdate(job, finishedAt.ToUnixTimeSeconds(), (_, old) => Math.Max(old, finishedAt.ToUnixTimeSeconds()));
        }
    }
}
