using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Scheduling;

/// <summary>
/// The job history in the <c>job_history</c> table of the library's schema, created on first use. One row per job and
/// instant (a unique key), so whichever replica inserts first runs the instant and the others see it.
/// </summary>
internal sealed class PostgreSqlJobHistory(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<DbResilienceOptions> library) : IJobHistory
{
    private const string Columns = "id, job, scheduled_for, started_at, finished_at, outcome, summary, error, runner, catch_up, size_bytes, backup_id, rto_ms, rto_objective_ms";

    private volatile bool _created;

    private string Table => TableName.QuoteIdentifier(library.Value.Schema) + ".job_history";

    public async Task<long?> TryStartAsync(JobRunContext context, DateTimeOffset startedAt, string runner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await ExecuteAsync(
            async connection =>
            {
                await using var insert = new NpgsqlCommand(
                    $"""
                    INSERT INTO {Table} (job, scheduled_for, started_at, runner, catch_up) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (job, scheduled_for) DO NOTHING RETURNING id
                    """,
                    connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = context.JobName });
                insert.Parameters.Add(new NpgsqlParameter { Value = context.ScheduledFor.ToUniversalTime() });
                insert.Parameters.Add(new NpgsqlParameter { Value = startedAt.ToUniversalTime() });
                insert.Parameters.Add(new NpgsqlParameter { Value = runner });
                insert.Parameters.Add(new NpgsqlParameter { Value = context.IsCatchUp });
                return await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long id ? id : (long?)null;
            },
            "record the start of job " + context.JobName,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task FinishAsync(long runId, DateTimeOffset finishedAt, JobRunResult result, string? failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        await ExecuteAsync(
            async connection =>
            {
                await using var update = new NpgsqlCommand(
                    $"""
                    UPDATE {Table} SET finished_at = $2, outcome = $3, summary = $4, error = $5, size_bytes = $6, backup_id = $7, rto_ms = $8, rto_objective_ms = $9
                    WHERE id = $1
                    """,
                    connection);
                update.Parameters.Add(new NpgsqlParameter { Value = runId });
                update.Parameters.Add(new NpgsqlParameter { Value = finishedAt.ToUniversalTime() });
                update.Parameters.Add(new NpgsqlParameter { Value = result.Outcome.ToString() });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)result.Summary ?? DBNull.Value });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)failure ?? DBNull.Value });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)result.SizeBytes ?? DBNull.Value });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)result.BackupId ?? DBNull.Value });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)(long?)result.Rto?.TotalMilliseconds ?? DBNull.Value });
                update.Parameters.Add(new NpgsqlParameter { Value = (object?)(long?)result.RtoObjective?.TotalMilliseconds ?? DBNull.Value });
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            },
            "record the end of a job run",
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobRun>> ListAsync(string? job = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ExecuteAsync<IReadOnlyList<JobRun>>(
            async connection =>
            {
                await using var select = new NpgsqlCommand(
                    $"SELECT {Columns} FROM {Table} WHERE ($1::text IS NULL OR job = $1) ORDER BY scheduled_for DESC, id DESC LIMIT $2",
                    connection);
                select.Parameters.Add(new NpgsqlParameter { Value = (object?)job ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                select.Parameters.Add(new NpgsqlParameter { Value = limit });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var runs = new List<JobRun>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    runs.Add(new JobRun
                    {
                        Id = reader.GetInt64(0),
                        Job = reader.GetString(1),
                        ScheduledFor = reader.GetFieldValue<DateTimeOffset>(2),
                        StartedAt = reader.GetFieldValue<DateTimeOffset>(3),
                        FinishedAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                        Outcome = reader.IsDBNull(5) ? null : Enum.Parse<JobOutcome>(reader.GetString(5)),
                        Summary = reader.IsDBNull(6) ? null : reader.GetString(6),
                        Error = reader.IsDBNull(7) ? null : reader.GetString(7),
                        Runner = reader.GetString(8),
                        IsCatchUp = reader.GetBoolean(9),
                        SizeBytes = reader.IsDBNull(10) ? null : reader.GetInt64(10),
                        BackupId = reader.IsDBNull(11) ? null : reader.GetString(11),
                        Rto = reader.IsDBNull(12) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(12)),
                        RtoObjective = reader.IsDBNull(13) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(13)),
                    });
                }

                return runs;
            },
            "read the job history",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ExecuteAsync<T>(Func<NpgsqlConnection, Task<T>> action, string what, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await EnsureTableAsync(connection, cancellationToken).ConfigureAwait(false);
                return await action(connection).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw new DbResilienceException($"Could not {what} in {library.Value.Schema}.job_history: {ex.Message}", ex);
        }
    }

    private async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        var schema = TableName.QuoteIdentifier(library.Value.Schema);
        var sql = $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {Table} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job text NOT NULL,
                scheduled_for timestamptz NOT NULL,
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                outcome text,
                summary text,
                error text,
                runner text NOT NULL,
                catch_up boolean NOT NULL DEFAULT false,
                size_bytes bigint,
                backup_id text,
                rto_ms bigint,
                rto_objective_ms bigint,
                UNIQUE (job, scheduled_for))
            """;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var create = new NpgsqlCommand(sql, connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _created = true;
                return;
            }
            catch (PostgresException ex) when (attempt < 3 && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DuplicateTable)
            {
                // Two replicas created the schema or table at the same moment (IF NOT EXISTS does not lock the catalog): the
                // other one won, so the next attempt finds it.
            }
        }
    }
}
