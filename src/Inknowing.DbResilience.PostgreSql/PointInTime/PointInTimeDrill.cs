using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// A point-in-time recovery drill: inserts a marker row, notes the time, deletes the row, restores to before the delete into a
/// throwaway cluster, checks the marker is back, and reports the RTO and the measured RPO. Never touches the live data except
/// its own table <c>dbresilience_pitr_drill</c>. It reports in the one <see cref="DrillReport"/> of every drill (kind base, the
/// steps <c>window</c>, <c>marker</c>, <c>archive</c>, <c>restore</c>, <c>verify</c>, <c>rto_objective</c>), and is recorded in
/// <c>recovery_history</c> when the library's services built it.
/// </summary>
public sealed class PointInTimeDrill
{
    private readonly BaseBackupService _baseBackups;
    private readonly PointInTimeRestorer _restorer;
    private readonly PostgreSqlOptions _postgreSql;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _rtoObjective;

    /// <summary>Initializes a new instance of the <see cref="PointInTimeDrill"/> class.</summary>
    /// <param name="baseBackups">The base backups (one is taken when none can be restored).</param>
    /// <param name="restorer">The restorer.</param>
    /// <param name="postgreSql">The database's options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="drillOptions">The drill options (the recovery time objective); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public PointInTimeDrill(
        BaseBackupService baseBackups,
        PointInTimeRestorer restorer,
        IOptions<PostgreSqlOptions> postgreSql,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
        IOptions<DrillOptions>? drillOptions = null)
    {
        ArgumentNullException.ThrowIfNull(baseBackups);
        ArgumentNullException.ThrowIfNull(restorer);
        ArgumentNullException.ThrowIfNull(postgreSql);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _baseBackups = baseBackups;
        _restorer = restorer;
        _postgreSql = postgreSql.Value;
        _timeProvider = timeProvider;
        _rtoObjective = drillOptions?.Value.RtoObjective ?? new DrillOptions().RtoObjective;
    }

    /// <summary>Restores to a time into a started throwaway cluster: through the restore service when registered, else the restorer.</summary>
    private async Task<PointInTimeRestoreResult> RestoreAsync(string directory, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (Restores is null)
        {
            return await _restorer.RestoreAsync(
                new PointInTimeRestoreRequest
                {
                    TargetDirectory = directory,
                    Target = RecoveryTarget.AtTime(time),
                    Start = true,
                    Settings = new Dictionary<string, string> { ["fsync"] = "off" },
                },
                cancellationToken).ConfigureAwait(false);
        }

        var request = new Inknowing.DbResilience.Restore.RestoreRequest
        {
            PointInTime = Inknowing.DbResilience.Restore.PointInTimeTarget.AtTime(time),
            TargetDirectory = directory,
            StartServer = true,
            ServerSettings = { ["fsync"] = "off" },
        };
        var result = await Restores.RestoreAsync(request, cancellationToken).ConfigureAwait(false);
        return (result as BaseBackupRestoreResult)?.PointInTime
            ?? throw new PointInTimeException($"Restore strategy {result.Strategy} restored base backup {result.BackupId} without starting a server the drill can verify.");
    }

    /// <summary>Gets or sets where drills are recorded (<c>recovery_history</c>); set by the library's registration.</summary>
    internal RecoveryHistory? History { get; set; }

    /// <summary>Gets or sets the restore service the drill restores through (its selected strategy, recorded); set by the library's registration, else the restorer is called directly.</summary>
    internal Inknowing.DbResilience.Restore.IRestoreService? Restores { get; set; }

    /// <summary>Gets or sets how long the drill waits for the WAL of its delete to reach storage. The default value is 2 minutes.</summary>
    public TimeSpan ArchiveTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs the drill. A failed step ends the drill and is reported, not thrown.</summary>
    /// <param name="cancellationToken">Cancels the drill; the throwaway cluster is removed.</param>
    /// <returns>The report, kind base.</returns>
    public async Task<DrillReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var startedAt = _timeProvider.GetUtcNow();
        var steps = new List<DrillStep>();
        var marker = "drill-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var report = new DrillReport
        {
            Kind = BackupKind.Base,
            Passed = false,
            BackupId = null,
            StartedAt = startedAt,
            CompletedAt = startedAt,
            Rto = null,
            RtoObjective = _rtoObjective,
            Steps = steps,
            Tables = [],
            Marker = marker,
        };
        // The restore creates the directory (and its "-wal" staging beside it); the reservation removes both, even after a kill.
        using var reservation = ScratchDirectory.Reserve("pitr-drill", create: false);
        var scratch = reservation.Path;
        try
        {
            var window = await StepAsync(steps, "window", async () =>
            {
                var found = await _restorer.GetWindowAsync(cancellationToken).ConfigureAwait(false);
                if (!found.IsRecoverable)
                {
                    await _baseBackups.CreateAsync(cancellationToken).ConfigureAwait(false);
                    return (found, "no restorable base backup: took one");
                }

                return (found, "recoverable " + found.Describe());
            }).ConfigureAwait(false);

            var connection = new NpgsqlConnection(_postgreSql.ConnectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var rpo = window.Latest is { } latest ? await ServerNowAsync(connection, cancellationToken).ConfigureAwait(false) - latest : (TimeSpan?)null;
                report = report with { Rpo = rpo is { } r && r < TimeSpan.Zero ? TimeSpan.Zero : rpo };

                var (target, deletedAt) = await StepAsync(steps, "marker", async () =>
                {
                    await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS dbresilience_pitr_drill (marker text PRIMARY KEY, inserted_at timestamptz NOT NULL DEFAULT clock_timestamp())", marker, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, "INSERT INTO dbresilience_pitr_drill (marker) VALUES (@marker)", marker, cancellationToken).ConfigureAwait(false);
                    var time = await ServerNowAsync(connection, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(20), _timeProvider, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, "DELETE FROM dbresilience_pitr_drill WHERE marker = @marker", marker, cancellationToken).ConfigureAwait(false);
                    var deleted = await ServerNowAsync(connection, cancellationToken).ConfigureAwait(false);
                    return ((time, deleted), $"inserted {marker}, noted {time:O}, deleted it");
                }).ConfigureAwait(false);
                report = report with { TargetTime = target };

                var lag = await StepAsync(steps, "archive", async () =>
                {
                    await ExecuteAsync(connection, "SELECT pg_switch_wal()", null, cancellationToken).ConfigureAwait(false);
                    var waited = Stopwatch.StartNew();
                    while (true)
                    {
                        var current = await _restorer.GetWindowAsync(cancellationToken).ConfigureAwait(false);
                        if (current.Latest > deletedAt)
                        {
                            var stored = await ServerNowAsync(connection, cancellationToken).ConfigureAwait(false) - deletedAt;
                            return (stored, $"the delete's WAL was in storage {stored.TotalSeconds:F1} s after its commit");
                        }

                        if (waited.Elapsed > ArchiveTimeout)
                        {
                            throw new PointInTimeException(
                                $"The WAL holding the drill's delete did not reach storage within {ArchiveTimeout}: check archive_command (dbresilience wal-push %p) or the streaming receiver.");
                        }

                        await Task.Delay(TimeSpan.FromMilliseconds(250), _timeProvider, cancellationToken).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
                report = report with { ArchiveLag = lag };
            }

            var rto = Stopwatch.StartNew();
            var result = await StepAsync(steps, "restore", async () =>
            {
                var restored = await RestoreAsync(Path.Combine(scratch, "data"), report.TargetTime!.Value, cancellationToken).ConfigureAwait(false);
                return (restored, $"base backup {restored.BaseBackup.Id}, {restored.WalFilesStaged} WAL file(s), {restored.RecoveryStop}");
            }).ConfigureAwait(false);

            await using (result.Cluster!.ConfigureAwait(false))
            {
                await StepAsync(steps, "verify", async () =>
                {
                    var database = new NpgsqlConnectionStringBuilder(_postgreSql.ConnectionString).Database ?? "postgres";
                    var restoredConnection = new NpgsqlConnection(result.Cluster!.GetConnectionString(database));
                    await using (restoredConnection.ConfigureAwait(false))
                    {
                        await restoredConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
                        var command = new NpgsqlCommand("SELECT count(*) FROM dbresilience_pitr_drill WHERE marker = @marker", restoredConnection);
                        await using (command.ConfigureAwait(false))
                        {
                            command.Parameters.AddWithValue("marker", marker);
                            var count = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                            return count == 1
                                ? (true, $"marker {marker} is back in the restored cluster")
                                : throw new PointInTimeException($"The marker {marker} is missing from the cluster restored to {report.TargetTime:O}.");
                        }
                    }
                }).ConfigureAwait(false);
            }

            var measured = rto.Elapsed;
            var met = measured <= _rtoObjective;
            steps.Add(new DrillStep
            {
                Name = "rto_objective",
                Passed = met,
                Duration = TimeSpan.Zero,
                Details = string.Create(CultureInfo.InvariantCulture, $"Measured RTO {measured.TotalSeconds:F1} s {(met ? "within" : "over")} the objective of {_rtoObjective.TotalSeconds:F0} s."),
            });
            report = report with { Passed = met, Rto = measured, BackupId = result.BaseBackup.Id, RecoveryStop = result.RecoveryStop };
        }
        catch (Exception ex) when (ex is DbResilienceException or NpgsqlException or IOException or TimeoutException)
        {
            // The failed step is already in the report.
        }
        finally
        {
            reservation.Dispose();
        }

        var failed = steps.FirstOrDefault(s => !s.Passed);
        report = report with { CompletedAt = _timeProvider.GetUtcNow(), FailureReason = failed is null ? null : $"{failed.Name}: {failed.Details}" };
        if (History is not null)
        {
            await History.RecordAsync(
                new RecoveryRecord(
                    "pitr_drill",
                    "throwaway cluster",
                    report.BackupId,
                    report.StartedAt,
                    report.CompletedAt,
                    report.Passed,
                    report.Rpo is { } rpo ? string.Create(CultureInfo.InvariantCulture, $"A disaster when the drill began would have lost the last {rpo.TotalSeconds:F1} s of commits (RPO).") : null,
                    report.FailureReason ?? (report.Rto is { } measured ? string.Create(CultureInfo.InvariantCulture, $"RTO {measured.TotalSeconds:F1} s (objective {_rtoObjective.TotalSeconds:F0} s), restored to {report.TargetTime:O}") : null)),
                CancellationToken.None).ConfigureAwait(false);
        }

        return report;
    }

    private static async Task<T> StepAsync<T>(List<DrillStep> steps, string name, Func<Task<(T Value, string Detail)>> action)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var (value, detail) = await action().ConfigureAwait(false);
            steps.Add(new DrillStep { Name = name, Passed = true, Duration = stopwatch.Elapsed, Details = detail });
            return value;
        }
        catch (Exception ex) when (ex is DbResilienceException or NpgsqlException or IOException or TimeoutException)
        {
            steps.Add(new DrillStep { Name = name, Passed = false, Duration = stopwatch.Elapsed, Details = ex.Message });
            throw;
        }
    }

    private static async Task<DateTimeOffset> ServerNowAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        await using (command.ConfigureAwait(false))
        {
            var value = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string? marker, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            if (marker is not null && sql.Contains("@marker", StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue("marker", marker);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
