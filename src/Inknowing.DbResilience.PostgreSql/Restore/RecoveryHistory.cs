using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Writes restores and drills into the recovery_history table of the configured database, best effort: when the database
/// is unreachable (the usual case in a disaster) the record is logged and the operation's own result still reports it.
/// </summary>
internal sealed class RecoveryHistory(
    IOptions<PostgreSqlOptions> postgreSqlOptions,
    IOptions<RestoreOptions> restoreOptions,
    IOptions<DbResilienceOptions> library,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<RecoveryHistory> logger)
{
    /// <summary>The name of the table, in the library's schema (<see cref="DbResilienceOptions.Schema"/>).</summary>
    internal const string Table = "recovery_history";

    /// <summary>Records one recovery; returns false when it could not be written.</summary>
    public async Task<bool> RecordAsync(RecoveryRecord record, CancellationToken cancellationToken)
    {
        var options = restoreOptions.Value;
        if (!options.RecordHistory)
        {
            return false;
        }

        var schema = TableName.QuoteIdentifier(library.Value.Schema);
        try
        {
            await using var connection = await PostgreSqlConnections.OpenAsync(postgreSqlOptions.Value.ConnectionString!, cancellationToken).ConfigureAwait(false);
            await using (var create = new NpgsqlCommand(
                $"""
                CREATE SCHEMA IF NOT EXISTS {schema};
                CREATE TABLE IF NOT EXISTS {schema}.recovery_history (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    recovery_type text NOT NULL,
                    recovery_target text NOT NULL,
                    backup_used text,
                    started_at timestamptz NOT NULL,
                    completed_at timestamptz,
                    success boolean NOT NULL,
                    data_loss_assessment text,
                    performed_by text,
                    notes text)
                """,
                connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO {schema}.recovery_history
                    (recovery_type, recovery_target, backup_used, started_at, completed_at, success, data_loss_assessment, performed_by, notes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """,
                connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = record.RecoveryType });
            insert.Parameters.Add(new NpgsqlParameter { Value = record.RecoveryTarget });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)record.BackupUsed ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter { Value = record.StartedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = record.CompletedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = record.Success });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)record.DataLossAssessment ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter { Value = options.PerformedBy ?? Environment.UserName });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)record.Notes ?? DBNull.Value });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is DbResilienceException or NpgsqlException)
        {
            Log.HistoryNotRecorded(logger, ex.Message);
            return false;
        }
    }
}
