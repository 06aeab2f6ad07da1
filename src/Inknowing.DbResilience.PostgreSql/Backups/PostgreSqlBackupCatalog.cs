using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>
/// The seed's <c>backup_history</c> table, created if missing (and given a unique <c>backup_id</c> column if it predates it),
/// kept as a best-effort mirror of the manifests in storage.
/// </summary>
internal sealed class PostgreSqlBackupCatalog(
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource,
    IOptions<BackupOptions> options,
    IOptions<DbResilienceOptions> library,
    [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<PostgreSqlBackupCatalog> logger) : IBackupCatalog
{
    private volatile bool _ready;

    private string Table => $"\"{library.Value.Schema}\".\"{options.Value.CatalogTable}\"";

    public async Task RecordAsync(BackupCatalogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await OpenReadyAsync(cancellationToken).ConfigureAwait(false);
        await UpsertAsync(connection, null, entry, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BackupCatalogEntry?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT backup_type, status, file_size_bytes, checksum, started_at FROM {Table} WHERE backup_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new BackupCatalogEntry
        {
            Id = id,
            Tier = reader.GetString(0),
            Status = Enum.TryParse<BackupStatus>(reader.GetString(1), ignoreCase: true, out var status) ? status : BackupStatus.Failed,
            SizeBytes = reader.IsDBNull(2) ? null : reader.GetInt64(2),
            Sha256 = reader.IsDBNull(3) ? null : reader.GetString(3),
            StartedAt = reader.GetFieldValue<DateTimeOffset>(4),
        };
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DELETE FROM {Table} WHERE backup_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ReplaceAllAsync(IReadOnlyList<BackupCatalogEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var connection = await OpenReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE status <> 'running'", connection, transaction))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var entry in entries)
        {
            await UpsertAsync(connection, transaction, entry, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, BackupCatalogEntry entry, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} AS h (backup_id, backup_type, file_path, file_size_bytes, checksum, s3_location, status,
                                     started_at, completed_at, verified_at, retention_until, notes)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (backup_id) DO UPDATE SET
                backup_type = EXCLUDED.backup_type,
                file_path = COALESCE(EXCLUDED.file_path, h.file_path),
                file_size_bytes = COALESCE(EXCLUDED.file_size_bytes, h.file_size_bytes),
                checksum = COALESCE(EXCLUDED.checksum, h.checksum),
                s3_location = COALESCE(EXCLUDED.s3_location, h.s3_location),
                status = EXCLUDED.status,
                started_at = EXCLUDED.started_at,
                completed_at = COALESCE(EXCLUDED.completed_at, h.completed_at),
                verified_at = COALESCE(EXCLUDED.verified_at, h.verified_at),
                retention_until = COALESCE(EXCLUDED.retention_until, h.retention_until),
                notes = COALESCE(EXCLUDED.notes, h.notes)
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Tier });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.FilePath ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.SizeBytes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Sha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.OtherLocations ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Status.ToString().ToLowerInvariant() });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.StartedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(Time(entry.CompletedAt));
        command.Parameters.Add(Time(entry.VerifiedAt));
        command.Parameters.Add(Time(entry.RetentionUntil));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Notes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter Time(DateTimeOffset? value)
        => new() { Value = value is { } v ? v.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private async Task<NpgsqlConnection> OpenReadyAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (_ready)
        {
            return connection;
        }

        try
        {
            {
                var schema = library.Value.Schema;
                var name = options.Value.CatalogTable;
                await using var command = new NpgsqlCommand(
                    $"""
                    CREATE SCHEMA IF NOT EXISTS "{schema}";
                    CREATE TABLE IF NOT EXISTS {Table} (
                        id bigserial PRIMARY KEY,
                        backup_id text,
                        backup_type text NOT NULL,
                        file_path text,
                        file_size_bytes bigint,
                        checksum text,
                        s3_location text,
                        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'verified')),
                        started_at timestamptz NOT NULL,
                        completed_at timestamptz,
                        verified_at timestamptz,
                        retention_until timestamptz,
                        notes text);
                    ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS backup_id text;
                    CREATE UNIQUE INDEX IF NOT EXISTS "{name}_backup_id_key" ON {Table} (backup_id);
                    """,
                    connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
                Log.CatalogReady(logger, Table);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }
}
