namespace Inknowing.DbResilience.Telemetry;

/// <summary>
/// The names under which the library publishes metrics (<see cref="System.Diagnostics.Metrics.Meter"/>) and traces
/// (<see cref="System.Diagnostics.ActivitySource"/>), for <c>AddMeter</c> and <c>AddSource</c> in OpenTelemetry. Names and
/// units follow the OpenTelemetry semantic conventions: seconds for durations, bytes as <c>By</c>.
/// </summary>
public static class DbResilienceTelemetry
{
    /// <summary>The name of the library's meter and activity source.</summary>
    public const string Name = "Inknowing.DbResilience";

    /// <summary>Histogram, seconds: the duration of each scheduled job run; tags <c>dbresilience.job.name</c>, <c>dbresilience.job.outcome</c>.</summary>
    public const string JobDuration = "dbresilience.job.duration";

    /// <summary>Gauge, seconds since the Unix epoch: when each job last succeeded; tag <c>dbresilience.job.name</c>.</summary>
    public const string JobLastSuccess = "dbresilience.job.last_success";

    /// <summary>Counter, bytes: the bytes of backups written (each copy once); tag <c>dbresilience.backup.tier</c>.</summary>
    public const string BackupBytesWritten = "dbresilience.backup.bytes_written";

    /// <summary>Histogram, seconds: the recovery time each drill measured; tag <c>dbresilience.drill.passed</c>.</summary>
    public const string DrillRto = "dbresilience.drill.rto";

    /// <summary>Gauge, seconds: the age of the last archived WAL segment while WAL is waiting to be archived (0 when none waits).</summary>
    public const string WalArchiveLag = "dbresilience.wal.archive.lag";

    /// <summary>Gauge, bytes: how far the WAL receiver's replication slot is behind the server's current WAL position.</summary>
    public const string WalReceiverLag = "dbresilience.wal.receiver.lag";

    /// <summary>Histogram, seconds: the duration of each migration run that applied or rolled back something; tag <c>dbresilience.migration.direction</c>.</summary>
    public const string MigrationDuration = "dbresilience.migration.duration";

    /// <summary>The tag naming a job.</summary>
    public const string JobNameTag = "dbresilience.job.name";

    /// <summary>The tag with a job run's outcome (<c>succeeded</c>, <c>warning</c>, <c>failed</c>, <c>timed_out</c>, <c>cancelled</c>).</summary>
    public const string JobOutcomeTag = "dbresilience.job.outcome";
}
