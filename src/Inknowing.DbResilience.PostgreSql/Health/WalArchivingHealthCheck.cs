using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Health;

/// <summary>
/// WAL archiving as <c>pg_stat_archiver</c> reports it: Unhealthy when the failure count rose since the last check or the
/// last failure is newer than the last success; Degraded when complete segments wait longer than twice
/// <c>archive_timeout</c> (at least <see cref="DbResilienceHealthOptions.ArchiveLagDegradedAfter"/>).
/// </summary>
internal sealed class WalArchivingHealthCheck(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<DbResilienceHealthOptions> options,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time) : IHealthCheck
{
    private long _lastFailedCount = -1; // -1 until the first check

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT current_setting('archive_mode'), current_setting('archive_timeout')::interval,
                   (SELECT setting::bigint FROM pg_catalog.pg_settings WHERE name = 'wal_segment_size'),
                   a.archived_count, a.last_archived_wal, a.last_archived_time, a.failed_count, a.last_failed_wal, a.last_failed_time,
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()) END
            FROM pg_catalog.pg_stat_archiver a
            """;
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var mode = reader.GetString(0);
            var archiveTimeout = reader.GetFieldValue<TimeSpan>(1);
            var segmentSize = reader.GetInt64(2);
            var archived = reader.GetInt64(3);
            var lastArchivedWal = reader.IsDBNull(4) ? null : reader.GetString(4);
            DateTimeOffset? lastArchivedAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
            var failed = reader.GetInt64(6);
            var lastFailedWal = reader.IsDBNull(7) ? null : reader.GetString(7);
            DateTimeOffset? lastFailedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8);
            var currentWal = reader.IsDBNull(9) ? null : reader.GetString(9);
            var now = time.GetUtcNow();
            var data = new Dictionary<string, object>
            {
                ["archiveMode"] = mode,
                ["archivedCount"] = archived,
                ["failedCount"] = failed,
            };

            if (mode == "off")
            {
                WalMetrics.ArchiveLagSeconds = null;
                return HealthCheckResult.Healthy("WAL archiving is off (archive_mode = off): point-in-time recovery is not set up on this server.", data);
            }

            var previousFailed = Interlocked.Exchange(ref _lastFailedCount, failed);
            if ((previousFailed >= 0 && failed > previousFailed) || (lastFailedAt is { } failedAt && (lastArchivedAt is null || failedAt > lastArchivedAt)))
            {
                return HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture,
                    $"WAL archiving is failing: {failed} failure(s), the last for {lastFailedWal} at {lastFailedAt:u}; last archived {lastArchivedWal ?? "nothing"}{(lastArchivedAt is null ? string.Empty : $" at {lastArchivedAt:u}")}. Check archive_command and the server log."), data: data);
            }

            var waiting = currentWal is not null ? SegmentsBetween(lastArchivedWal, currentWal, segmentSize) : 0;
            var age = lastArchivedAt is { } at ? now - at : (TimeSpan?)null;
            WalMetrics.ArchiveLagSeconds = waiting > 0 && age is { } a ? a.TotalSeconds : 0;
            data["segmentsWaiting"] = waiting;
            var limit = archiveTimeout * 2 > options.Value.ArchiveLagDegradedAfter ? archiveTimeout * 2 : options.Value.ArchiveLagDegradedAfter;
            if (waiting > 0 && (age is null || age > limit))
            {
                return HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture,
                    $"{waiting} complete WAL segment(s) wait to be archived; the last was archived {(age is null ? "never" : BackupAge(age.Value) + " ago")} (limit {limit:c})."), data: data);
            }

            return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture,
                $"WAL archiving works: {archived} segment(s) archived, the last {lastArchivedWal ?? "(none yet)"}{(age is null ? string.Empty : $" {BackupAge(age.Value)} ago")}."), data);
        }
    }

    /// <summary>Counts the complete segments after the last archived one and before the current one.</summary>
    internal static long SegmentsBetween(string? lastArchived, string current, long segmentSize)
    {
        if (lastArchived is null || lastArchived.Length < 24 || current.Length < 24)
        {
            return lastArchived is null ? Index(current, segmentSize) : 0;
        }

        // A history or backup-label file ends in a suffix: its first 24 characters still name a segment.
        return Math.Max(0, Index(current, segmentSize) - Index(lastArchived[..24], segmentSize) - 1);
    }

    private static long Index(string walFile, long segmentSize)
    {
        var log = long.Parse(walFile.AsSpan(8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var segment = long.Parse(walFile.AsSpan(16, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (log * (0x1_0000_0000L / segmentSize)) + segment;
    }

    private static string BackupAge(TimeSpan age) => age.TotalMinutes < 120
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:F0} min")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:F1} h");
}
