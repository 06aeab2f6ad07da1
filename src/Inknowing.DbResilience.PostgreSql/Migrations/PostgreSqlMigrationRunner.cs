using System.Text.Json;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// Applies migrations to PostgreSQL under a session-level advisory lock, one transaction per script together with its
/// tracking rows, or statement by statement outside a transaction when the script needs it.
/// </summary>
/// <remarks>
/// The lock is taken with <c>pg_try_advisory_lock</c> polled from the client, never with a blocking
/// <c>pg_advisory_lock</c>: a backend blocked inside a lock wait holds a snapshot, and CREATE INDEX CONCURRENTLY run by
/// the lock holder would wait for that snapshot while the waiter waits for the lock, a deadlock that PostgreSQL cannot
/// see. The lock holder's own connection sits idle outside any transaction between scripts, so it has no snapshot either.
/// <para>
/// This file holds the four operations (migrate, rollback, status, validate) and the connection, lock and guard they share.
/// Running a plan is in <c>PostgreSqlMigrationRunner.Execution.cs</c> (transactional scripts batched, up to
/// <see cref="MigrationOptions.BatchSize"/> per round trip, each in its own transaction; the others statement by
/// statement), writing history, restore points and failure records in <c>PostgreSqlMigrationRunner.History.cs</c>, and
/// reading the tracking table in <c>PostgreSqlMigrationRunner.Reading.cs</c>. What to run is decided apart, in
/// <see cref="MigrationPlanner"/> (pure, unit-tested); the lock is <see cref="AdvisoryLock"/>.
/// </para>
/// </remarks>
internal sealed partial class PostgreSqlMigrationRunner : IMigrationRunner
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly MigrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MigrationTracking _tracking;

    public PostgreSqlMigrationRunner(
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
        IOptions<MigrationOptions> options,
        IOptions<DbResilienceOptions> library,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlMigrationRunner> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _schema = library.Value.Schema;
        _tracking = new MigrationTracking(_schema);
    }

    public async Task<MigrationRunResult> MigrateAsync(MigrateRequest? request = null, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        request ??= new MigrateRequest();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (request.DryRun)
            {
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var dry = MigrationPlanner.Plan(catalog, tracked, request, _options)
                    .Select(p => new MigrationExecution
                    {
                        Kind = p.Script.Kind,
                        Key = p.Script.TrackingKey,
                        Name = p.Script.Name,
                        Origin = p.Script.Origin,
                        Action = MigrationAction.Apply,
                        Transactional = !SqlScriptParser.Parse(p.Script.Sql).RunsOutsideTransaction,
                        Sql = p.Script.Sql,
                        Duration = TimeSpan.Zero,
                        AffectedRows = 0,
                    })
                    .ToArray();
                return new MigrationRunResult { Executions = dry, DryRun = true, Duration = _time.GetElapsedTime(started) };
            }

            await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
            try
            {
                // Under the lock: an adoption that held it has finished, and its history is what this run reads.
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                await EnsureTablesAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var plan = MigrationPlanner.Plan(catalog, tracked, request, _options);
                if (plan.Count == 0)
                {
                    Log.UpToDate(_logger, catalog.Migrations.Count);
                    return new MigrationRunResult { Executions = Array.Empty<MigrationExecution>(), DryRun = false, Duration = _time.GetElapsedTime(started) };
                }

                var run = new RunContext(await CanCreateRestorePointsAsync(connection, cancellationToken).ConfigureAwait(false));
                var executions = await RunAllAsync(connection, plan, "apply", run, cancellationToken).ConfigureAwait(false);
                return new MigrationRunResult { Executions = executions, DryRun = false, Duration = _time.GetElapsedTime(started) };
            }
            finally
            {
                await ReleaseLockAsync(connection).ConfigureAwait(false);
            }
        }
    }

    public async Task<MigrationRunResult> RollbackAsync(MigrationVersion targetVersion, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!dryRun)
            {
                await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
                var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
                var scripts = MigrationPlanner.PlanRollback(catalog, tracked, targetVersion);
                if (dryRun)
                {
                    var dry = scripts.Select(s => new MigrationExecution
                    {
                        Kind = MigrationKind.Rollback,
                        Key = s.TrackingKey,
                        Name = s.Name,
                        Origin = s.Origin,
                        Action = MigrationAction.Rollback,
                        Transactional = !SqlScriptParser.Parse(s.Sql).RunsOutsideTransaction,
                        Sql = s.Sql,
                        Duration = TimeSpan.Zero,
                        AffectedRows = 0,
                    }).ToArray();
                    return new MigrationRunResult { Executions = dry, DryRun = true, Duration = _time.GetElapsedTime(started) };
                }

                var run = new RunContext(scripts.Count > 0 && await CanCreateRestorePointsAsync(connection, cancellationToken).ConfigureAwait(false));
                var executions = await RunAllAsync(connection, scripts.Select(s => (s, (string?)null)).ToList(), "rollback", run, cancellationToken).ConfigureAwait(false);
                return new MigrationRunResult { Executions = executions, DryRun = false, Duration = _time.GetElapsedTime(started) };
            }
            finally
            {
                if (!dryRun)
                {
                    await ReleaseLockAsync(connection).ConfigureAwait(false);
                }
            }
        }
    }

    public async Task<IReadOnlyList<MigrationStatusEntry>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
            var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
            return MigrationPlanner.BuildStatus(catalog, tracked);
        }
    }

    public async Task<MigrationValidationReport> ValidateAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await MigrationCatalog.LoadAsync(_options.Sources, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await GuardAsync(connection, cancellationToken).ConfigureAwait(false);
            var tracked = await ReadTrackedAsync(connection, cancellationToken).ConfigureAwait(false);
            var problems = MigrationPlanner.Validate(catalog, tracked, _options.AllowOutOfOrder);

            problems.AddRange(await FindMissingObjectsAsync(connection, cancellationToken).ConfigureAwait(false));
            var report = new MigrationValidationReport { Problems = problems, Checked = catalog.Migrations.Count + catalog.Seeds.Count + catalog.Repeatables.Count };
            if (tracked.Count > 0)
            {
                var metadata = JsonSerializer.Serialize(
                    new ValidationMetadata(report.Checked, problems.Select(p => $"{p.Kind} {p.Version}: {p.Message}").ToArray()),
                    MigrationHistoryJson.Default.ValidationMetadata);
                var batch = new NpgsqlBatch(connection) { BatchCommands = { MigrationTracking.Command(_tracking.InsertVerifySql, report.IsValid, metadata) } };
                await using (batch.ConfigureAwait(false))
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return report;
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new MigrationException($"Cannot connect to the database to run migrations: {ex.Message}", ex);
        }
    }

    private async Task<bool> CanCreateRestorePointsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!_options.CreateRestorePoints)
        {
            return false;
        }

        const string sql = """
            SELECT pg_catalog.has_function_privilege('pg_catalog.pg_create_restore_point(text)', 'EXECUTE'),
                   pg_catalog.current_setting('wal_level') <> 'minimal',
                   NOT pg_catalog.pg_is_in_recovery()
            """;
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var reason = !reader.GetBoolean(0) ? "the role may not execute pg_create_restore_point; GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) to it"
                    : !reader.GetBoolean(1) ? "wal_level is minimal; set it to replica"
                    : !reader.GetBoolean(2) ? "the server is in recovery"
                    : null;
                if (reason is null)
                {
                    return true;
                }

                Log.RestorePointsUnavailable(_logger, reason);
                return false;
            }
        }
    }

    private Task EnsureTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => _tracking.EnsureTablesAsync(connection, cancellationToken);

    /// <summary>Refuses before anything is read or run when the migration tables are not the library's, or another history is unaccounted for.</summary>
    private Task<DatabaseMigrationTables> GuardAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => MigrationTableInspector.EnsureUsableAsync(connection, _schema, _options.IgnoreForeignHistories, cancellationToken);

    private Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => MigrationLock.AcquireAsync(connection, _tracking, _options.LockTimeout, _time, _logger, cancellationToken);

    private Task ReleaseLockAsync(NpgsqlConnection connection) => MigrationLock.ReleaseAsync(connection, _tracking);
}
