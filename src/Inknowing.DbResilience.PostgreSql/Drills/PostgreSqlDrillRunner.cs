using System.Globalization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Drills;

/// <summary>
/// The recovery drill: choose a backup, refuse a stale one, restore it into a scratch database or a throwaway cluster,
/// verify it (checksum, row counts against the manifest, integrity checks, smoke queries), drop the copy, report. A base backup
/// is restored to its consistent point (its WAL replayed) into a throwaway cluster and verified there; both kinds report in
/// one <see cref="DrillReport"/> and are recorded in recovery_history.
/// </summary>
internal sealed class PostgreSqlDrillRunner(
    IBackupService backups,
    IEnumerable<IRestoreStrategy> strategies,
    IIntegrityChecker integrityChecker,
    RecoveryHistory history,
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    IOptions<DrillOptions> drillOptions,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlDrillRunner> logger,
    IJobLock? jobLock = null,
    PointInTimeRestorer? restorer = null,
    IRestoreService? restores = null) : IDrillRunner
{
    public async Task<DrillReport> RunAsync(string backupIdOrLatest = "latest", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backupIdOrLatest);

        // One drill of a database at a time, across processes: a second one is refused (ConcurrentJobException).
        var held = jobLock is null ? null : await jobLock.AcquireAsync("drill", cancellationToken).ConfigureAwait(false);
        await using (held)
        {
            return await RunHeldAsync(backupIdOrLatest, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DrillReport> RunHeldAsync(string backupIdOrLatest, CancellationToken cancellationToken)
    {
        var options = drillOptions.Value;
        var drill = new DrillState(timeProvider);

        BackupManifest? manifest = null;
        await drill.StepAsync("select_backup", async () =>
        {
            manifest = await backups.GetAsync(backupIdOrLatest, cancellationToken).ConfigureAwait(false);
            drill.BackupAge = drill.StartedAt - manifest.CompletedAt;
            var age = FormatAge(drill.BackupAge.Value);
            if (string.Equals(backupIdOrLatest, "latest", StringComparison.OrdinalIgnoreCase) && drill.BackupAge > options.MaxBackupAge)
            {
                return (false, $"The newest backup, {manifest.Id}, completed {age} ago, more than the allowed {FormatAge(options.MaxBackupAge)}: backups are stale. Check the backup schedule (dbresilience backups list).");
            }

            return (true, $"Backup {manifest.Id} ({manifest.Format}, {manifest.SizeBytes} bytes), completed {age} ago.");
        }).ConfigureAwait(false);

        if (manifest is null || !drill.AllPassed)
        {
            return await FinishAsync(drill, manifest, options, cancellationToken).ConfigureAwait(false);
        }

        if (manifest.Kind == BackupKind.Base)
        {
            await RunBaseBackupAsync(drill, manifest, options, cancellationToken).ConfigureAwait(false);
            return await FinishAsync(drill, manifest, options, cancellationToken).ConfigureAwait(false);
        }

        var source = RestoreSources.FromManifest(manifest, backups);
        LocalPostgreSqlCluster? cluster = null;
        var database = restoreOptions.Value.ScratchDatabasePrefix + "_drill_" + Guid.NewGuid().ToString("N")[..12];
        string serverConnectionString = postgreSqlOptions.Value.ConnectionString!;
        ScratchDatabaseIntent? intent = null;
        try
        {
            if (options.UseThrowawayCluster)
            {
                await drill.StepAsync("start_cluster", async () =>
                {
                    cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true }, cancellationToken).ConfigureAwait(false);
                    serverConnectionString = cluster.ConnectionString;
                    return (true, string.Create(CultureInfo.InvariantCulture, $"Throwaway cluster on 127.0.0.1:{cluster.Port} (fsync off)."));
                }).ConfigureAwait(false);
            }

            var copyConnectionString = PostgreSqlConnections.WithDatabase(serverConnectionString, database);
            if (drill.AllPassed)
            {
                var request = new RestoreRequest
                {
                    BackupId = manifest.Id,
                    TargetDatabase = database,
                    TargetConnectionString = serverConnectionString,
                    Jobs = Math.Max(1, options.Jobs),
                    SkipOwnership = cluster is not null,
                };
                var strategy = RestoreStrategySelector.Select(strategies, source, request, manifest.Format.ToString());
                drill.RestoreStarted = timeProvider.GetTimestamp();
                RestoreResult? result = null;
                await drill.StepAsync("restore", async () =>
                {
                    if (cluster is null)
                    {
                        intent = await RecordScratchAsync(database, cancellationToken).ConfigureAwait(false);
                    }

                    result = await strategy.RestoreAsync(source, request, cancellationToken).ConfigureAwait(false);
                    if (cluster is null)
                    {
                        // The strategy created it: its comment now names this run too, as every scratch database's does.
                        await Admin.MarkScratchAsync(database, cancellationToken).ConfigureAwait(false);
                    }

                    return (true, string.Create(CultureInfo.InvariantCulture, $"Restored into '{database}' with {strategy.Name}, {result.Jobs} job(s), {result.BytesRead} bytes; SHA-256 {result.Sha256} verified in {result.VerificationDuration.TotalSeconds:F1} s before the restore."));
                }).ConfigureAwait(false);
                if (result is not null)
                {
                    drill.Add(new DrillStep { Name = "verify_checksum", Passed = true, Duration = result.VerificationDuration, Details = $"SHA-256 {result.Sha256} matches the manifest." });
                }
            }

            if (drill.AllPassed)
            {
                await drill.StepAsync("compare_row_counts", () => CompareRowCountsAsync(drill, source, copyConnectionString, cancellationToken)).ConfigureAwait(false);
            }

            if (drill.AllPassed && options.RunIntegrityChecks)
            {
                await drill.StepAsync("integrity", async () =>
                {
                    var report = await integrityChecker.CheckAsync(copyConnectionString, cancellationToken).ConfigureAwait(false);
                    var problems = report.Checks.Where(c => c.Status != IntegrityStatus.Ok).Select(c => $"{c.Name}: {c.Status} ({c.Summary})");
                    return (report.Passed, $"{report.Status}: {report.Checks.Count} checks. {string.Join(" ", problems)}".Trim());
                }).ConfigureAwait(false);
            }

            if (drill.AllPassed && options.SmokeQueries.Count > 0)
            {
                await drill.StepAsync("smoke_queries", () => RunSmokeQueriesAsync(options, copyConnectionString, cancellationToken)).ConfigureAwait(false);
            }

            if (drill.RestoreStarted is { } restoreStarted && drill.AllPassed)
            {
                AddRtoStep(drill, options, timeProvider.GetElapsedTime(restoreStarted));
            }
        }
        finally
        {
            await drill.StepAsync("drop_copy", async () =>
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync().ConfigureAwait(false);
                    return (true, "Throwaway cluster stopped and deleted.");
                }

                await Admin.DropAsync(database, CancellationToken.None).ConfigureAwait(false);

                // Only once the database is gone: a record left by a failed drop lets the next run finish the job.
                intent?.Delete();
                return (true, $"Scratch database '{database}' dropped.");
            }).ConfigureAwait(false);
        }

        return await FinishAsync(drill, manifest, options, cancellationToken).ConfigureAwait(false);
    }

    private DatabaseAdmin Admin => new(postgreSqlOptions.Value.ConnectionString!, restoreOptions.Value.MaintenanceDatabase);

    /// <summary>
    /// Drops the scratch databases killed runs of this host left on the server, then records <paramref name="database"/> before
    /// the restore strategy creates it (it may be an application's own, which expects no existing target): a drill killed
    /// during the restore leaves the record, and the next run drops the database it names.
    /// </summary>
    private async Task<ScratchDatabaseIntent> RecordScratchAsync(string database, CancellationToken cancellationToken)
    {
        var temporaryDirectory = restoreOptions.Value.TempDirectory;
        foreach (var abandoned in await Admin.DropAbandonedScratchAsync(temporaryDirectory, cancellationToken).ConfigureAwait(false))
        {
            Log.AbandonedScratchDatabaseDropped(logger, abandoned);
        }

        return ScratchDatabaseIntent.Record(temporaryDirectory, Admin.ConnectionString, database);
    }

    /// <summary>Restores a base backup to its consistent point into a throwaway cluster, checks the server answers with its databases, removes it.</summary>
    private async Task RunBaseBackupAsync(DrillState drill, BackupManifest manifest, DrillOptions options, CancellationToken cancellationToken)
    {
        using var reservation = ScratchDirectory.Reserve("drill", create: false);
        var scratch = reservation.Path;
        try
        {
            if (restorer is null || restores is null)
            {
                await drill.StepAsync("restore", () => Task.FromResult((false,
                    $"Backup {manifest.Id} is a base backup: restoring it needs point-in-time recovery, which is not enabled (EnablePointInTimeRecovery()).")))
                    .ConfigureAwait(false);
                return;
            }

            drill.RestoreStarted = timeProvider.GetTimestamp();
            PointInTimeRestoreResult? result = null;
            await drill.StepAsync("restore", async () =>
            {
                // Through the restore service, as every restore of a base backup: the strategy it selects, recorded in recovery_history.
                var request = new RestoreRequest
                {
                    BackupId = manifest.Id,
                    PointInTime = PointInTimeTarget.Immediate,
                    TargetDirectory = Path.Combine(scratch, "data"),
                    StartServer = true,
                    ServerSettings = { ["fsync"] = "off" },
                };
                var restored = await restores.RestoreAsync(request, cancellationToken).ConfigureAwait(false);
                result = (restored as BaseBackupRestoreResult)?.PointInTime;
                return result is null
                    ? (false, $"Restore strategy {restored.Strategy} restored base backup {manifest.Id} without starting a server to verify.")
                    : (true, string.Create(CultureInfo.InvariantCulture,
                        $"Base backup {manifest.Id} restored to its consistent point ({manifest.Wal?.StopLsn}) into a throwaway cluster on 127.0.0.1:{result.Port}, {result.WalFilesStaged} WAL file(s) staged and checked; {result.RecoveryStop}."));
            }).ConfigureAwait(false);
            if (result?.Cluster is not { } cluster)
            {
                return;
            }

            await using (cluster.ConfigureAwait(false))
            {
                var database = string.IsNullOrEmpty(manifest.Database) ? "postgres" : manifest.Database;
                var copy = cluster.GetConnectionString(database);
                await drill.StepAsync("verify", async () =>
                {
                    await using var connection = await PostgreSqlConnections.OpenAsync(copy, cancellationToken).ConfigureAwait(false);
                    await using var command = new NpgsqlCommand("SELECT string_agg(datname, ', ' ORDER BY datname) FROM pg_database WHERE NOT datistemplate", connection);
                    var databases = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return (true, $"The restored server answers in '{database}'; its databases: {databases}.");
                }).ConfigureAwait(false);
                if (drill.AllPassed && options.SmokeQueries.Count > 0)
                {
                    await drill.StepAsync("smoke_queries", () => RunSmokeQueriesAsync(options, copy, cancellationToken)).ConfigureAwait(false);
                }
            }

            if (drill.RestoreStarted is { } restoreStarted && drill.AllPassed)
            {
                AddRtoStep(drill, options, timeProvider.GetElapsedTime(restoreStarted));
            }
        }
        finally
        {
            await drill.StepAsync("drop_copy", () =>
            {
                reservation.Dispose();
                return Task.FromResult((true, "Throwaway cluster stopped and deleted."));
            }).ConfigureAwait(false);
        }
    }

    private static void AddRtoStep(DrillState drill, DrillOptions options, TimeSpan rto)
    {
        drill.Rto = rto;
        var met = rto <= options.RtoObjective;
        drill.Add(new DrillStep
        {
            Name = "rto_objective",
            Passed = met,
            Duration = TimeSpan.Zero,
            Details = string.Create(CultureInfo.InvariantCulture, $"Measured RTO {rto.TotalSeconds:F1} s {(met ? "within" : "over")} the objective of {options.RtoObjective.TotalSeconds:F0} s."),
        });
    }

    private static async Task<(bool, string)> CompareRowCountsAsync(DrillState drill, RestoreSource source, string connectionString, CancellationToken cancellationToken)
    {
        if (source.TableRowCounts.Count == 0)
        {
            return (false, $"The manifest of backup {source.BackupId} has no row counts to compare with.");
        }

        await using var connection = await PostgreSqlConnections.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        foreach (var (name, expected) in source.TableRowCounts.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            long? restored;
            try
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM ONLY {name}", connection) { CommandTimeout = 0 };
                restored = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                restored = null;
            }

            drill.Tables.Add(new DrillTableResult { Name = name, ExpectedRows = expected, RestoredRows = restored });
        }

        var mismatches = drill.Tables.Where(t => !t.Matches).ToList();
        return mismatches.Count == 0
            ? (true, string.Create(CultureInfo.InvariantCulture, $"{drill.Tables.Count} tables, {drill.Tables.Sum(t => t.ExpectedRows)} rows, all as in the manifest."))
            : (false, $"{mismatches.Count} of {drill.Tables.Count} tables differ from the manifest: "
                + string.Join("; ", mismatches.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} expected {t.ExpectedRows}, restored {(t.RestoredRows is { } r ? r.ToString(CultureInfo.InvariantCulture) : "missing")}"))));
    }

    private static async Task<(bool, string)> RunSmokeQueriesAsync(DrillOptions options, string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = await PostgreSqlConnections.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        var failures = new List<string>();
        foreach (var query in options.SmokeQueries)
        {
            try
            {
                await using var command = new NpgsqlCommand(query, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    failures.Add($"'{query}' returned no rows");
                }
                else if (reader.FieldCount > 0 && reader.GetFieldType(0) == typeof(bool) && (reader.IsDBNull(0) || !reader.GetBoolean(0)))
                {
                    failures.Add($"'{query}' returned false");
                }
            }
            catch (PostgresException ex)
            {
                failures.Add($"'{query}' failed: {ex.MessageText} (SQLSTATE {ex.SqlState})");
            }
        }

        return failures.Count == 0
            ? (true, string.Create(CultureInfo.InvariantCulture, $"{options.SmokeQueries.Count} smoke queries passed."))
            : (false, string.Join("; ", failures));
    }

    private async Task<DrillReport> FinishAsync(DrillState drill, BackupManifest? manifest, DrillOptions options, CancellationToken cancellationToken)
    {
        var completedAt = timeProvider.GetUtcNow();
        var failed = drill.Steps.FirstOrDefault(s => !s.Passed);
        var report = new DrillReport
        {
            Kind = manifest?.Kind ?? BackupKind.Logical,
            Passed = failed is null,
            BackupId = manifest?.Id,
            StartedAt = drill.StartedAt,
            CompletedAt = completedAt,
            Rto = drill.Rto,
            RtoObjective = options.RtoObjective,
            BackupAge = drill.BackupAge,
            Steps = drill.Steps,
            Tables = drill.Tables,
            FailureReason = failed is null ? null : $"{failed.Name}: {failed.Details}",
        };
        Log.DrillCompleted(logger, report.BackupId ?? "(none)", report.Passed, report.Rto?.TotalSeconds ?? -1);
        await history.RecordAsync(
            new RecoveryRecord(
                manifest?.Kind == BackupKind.Base ? "base_drill" : "drill",
                options.UseThrowawayCluster || manifest?.Kind == BackupKind.Base ? "throwaway cluster" : "scratch database",
                manifest?.Id,
                drill.StartedAt,
                completedAt,
                report.Passed,
                drill.BackupAge is { } age ? $"A restore from this backup would lose the changes of the last {FormatAge(age)} (RPO)." : null,
                report.FailureReason ?? (report.Rto is { } rto ? string.Create(CultureInfo.InvariantCulture, $"RTO {rto.TotalSeconds:F1} s (objective {options.RtoObjective.TotalSeconds:F0} s)") : null)),
            cancellationToken).ConfigureAwait(false);
        return report;
    }

    private static string FormatAge(TimeSpan age)
        => age.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:F1} h")
            : string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:F0} min");

    private sealed class DrillState(TimeProvider timeProvider)
    {
        public DateTimeOffset StartedAt { get; } = timeProvider.GetUtcNow();

        public List<DrillStep> Steps { get; } = [];

        public List<DrillTableResult> Tables { get; } = [];

        public TimeSpan? BackupAge { get; set; }

        public long? RestoreStarted { get; set; }

        public TimeSpan? Rto { get; set; }

        public bool AllPassed => Steps.All(s => s.Passed);

        public void Add(DrillStep step) => Steps.Add(step);

        /// <summary>Runs a step, timing it; a DbResilienceException or a PostgreSQL error fails the step instead of the drill.</summary>
        public async Task StepAsync(string name, Func<Task<(bool Passed, string Details)>> step)
        {
            var start = timeProvider.GetTimestamp();
            (bool Passed, string Details) outcome;
            try
            {
                outcome = await step().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DbResilienceException or NpgsqlException)
            {
                outcome = (false, ex.Message);
            }

            Steps.Add(new DrillStep { Name = name, Passed = outcome.Passed, Duration = timeProvider.GetElapsedTime(start), Details = outcome.Details });
        }
    }
}
