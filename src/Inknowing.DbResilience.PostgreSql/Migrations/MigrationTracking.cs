using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// The SQL of the tracking tables <c>schema_migrations</c> and <c>migration_history</c> in one schema. Every name is
/// schema-qualified and every function is taken from pg_catalog, because a migration may empty <c>search_path</c>.
/// </summary>
internal sealed class MigrationTracking
{
    private string? _applyCompleted;
    private string? _rollbackCompleted;
    private string? _upsert;

    public MigrationTracking(string schema)
    {
        Schema = schema;
        var s = Quote(schema);
        Migrations = s + ".schema_migrations";
        History = s + ".migration_history";
        LockKey = AdvisoryLock.KeyFor("migrate", schema);
    }

    public string Schema { get; }

    public string Migrations { get; }

    public string History { get; }

    /// <summary>Gets the advisory lock key: per database (advisory locks are) and per tracking schema.</summary>
    public long LockKey { get; }

    public string ExistsSql => $"SELECT pg_catalog.to_regclass('{Escape(Migrations)}') IS NOT NULL AND pg_catalog.to_regclass('{Escape(History)}') IS NOT NULL";

    /// <summary>Gets whether the schema exists; CREATE SCHEMA IF NOT EXISTS would need the CREATE privilege on the database even then.</summary>
    public string SchemaExistsSql => $"SELECT pg_catalog.to_regnamespace('{Escape(Quote(Schema))}') IS NOT NULL";

    public string CreateSchemaSql => $"CREATE SCHEMA IF NOT EXISTS {Quote(Schema)}";

    public string CreateSql => $"""
        CREATE TABLE IF NOT EXISTS {Migrations} (
            version text PRIMARY KEY,
            migration_name text NOT NULL,
            kind text NOT NULL DEFAULT 'versioned' CHECK (kind IN ('versioned', 'seed', 'repeatable')),
            applied_at timestamptz,
            execution_time_ms bigint,
            checksum text NOT NULL,
            applied_by text,
            rollback_sql text,
            status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'rolled_back')),
            script_origin text
        );
        CREATE TABLE IF NOT EXISTS {History} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            version text NOT NULL,
            action text NOT NULL CHECK (action IN ('apply', 'rollback', 'verify')),
            started_at timestamptz NOT NULL,
            completed_at timestamptz,
            success boolean,
            error_message text,
            affected_rows bigint,
            metadata jsonb NOT NULL DEFAULT '{"{}"}'
        );
        CREATE INDEX IF NOT EXISTS migration_history_version_idx ON {History} (version, id);
        """;

    public string SelectSql => $"SELECT version, migration_name, kind, status, checksum, applied_at, execution_time_ms, rollback_sql, script_origin FROM {Migrations}";

    /// <summary>The column name under which a batch returns the id of the history row it wrote.</summary>
    public const string HistoryIdColumn = "dbresilience_history_id";

    /// <summary>The column name under which a batch returns the LSN of the restore point it created.</summary>
    public const string RestorePointLsnColumn = "dbresilience_restore_point_lsn";

    /// <summary>The transaction-local setting through which a restore point's LSN reaches the history row of the same transaction.</summary>
    private const string RestorePointSetting = "dbresilience.restore_point_lsn";

    /// <summary>The column name under which a completion returns the execution time measured by the server.</summary>
    public const string ElapsedColumn = "dbresilience_elapsed_ms";

    /// <summary>Parameters: restore point name.</summary>
    public static string CreateRestorePointSql => $"SELECT pg_catalog.pg_create_restore_point($1)::text AS {RestorePointLsnColumn}";

    /// <summary>
    /// Parameters: restore point name. Creates the restore point inside a script's transaction and keeps its LSN in a
    /// transaction-local setting, from which the script's history row takes it.
    /// </summary>
    public static string CreateRestorePointInTransactionSql =>
        $"SELECT pg_catalog.set_config('{RestorePointSetting}', pg_catalog.pg_create_restore_point($1)::text, true) AS {RestorePointLsnColumn}";

    /// <summary>
    /// Parameters: version, action, metadata (JSON text). Opens the row of a script that runs outside a transaction,
    /// before its first statement.
    /// </summary>
    public string InsertStartedHistorySql => $"""
        INSERT INTO {History} (version, action, started_at, metadata)
        VALUES ($1, $2, pg_catalog.clock_timestamp(), $3::jsonb)
        RETURNING id AS {HistoryIdColumn}
        """;

    /// <summary>
    /// Parameters: version, action, metadata (JSON text), affected rows (null when only known after the batch), name, kind,
    /// checksum, machine, rollback SQL, origin. The last statement before COMMIT of a script applied in
    /// the current transaction: writes its whole history row (it started when the transaction did, <c>now()</c>) and its
    /// <c>completed</c> status in one statement, and returns the history row's id.
    /// </summary>
    public string ApplyCompletedSql => _applyCompleted ??= $"""
        WITH history AS ({CompletedHistoryInsert})
        {UpsertInto}
        VALUES ($1, $5, $6, pg_catalog.clock_timestamp(), (extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint,
            $7, current_user || '@' || $8::text, $9, 'completed', $10)
        {UpsertConflict}
        RETURNING (SELECT id FROM history) AS {HistoryIdColumn}, m.execution_time_ms AS {ElapsedColumn}
        """;

    /// <summary>Parameters: as <see cref="ApplyCompletedSql"/> up to the affected rows. Marks the version rolled back.</summary>
    public string RollbackCompletedSql => _rollbackCompleted ??= $"""
        WITH history AS ({CompletedHistoryInsert}),
            status AS (UPDATE {Migrations} SET status = 'rolled_back' WHERE version = $1)
        SELECT (SELECT id FROM history) AS {HistoryIdColumn},
            (extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint AS {ElapsedColumn}
        """;

    /// <summary>Parameters: version, action, metadata (JSON text), elapsed ms, error.</summary>
    public string InsertFailedHistorySql => $"""
        INSERT INTO {History} (version, action, started_at, completed_at, success, error_message, metadata)
        VALUES ($1, $2, pg_catalog.clock_timestamp() - $4::bigint * interval '1 millisecond', pg_catalog.clock_timestamp(), false, $5, $3::jsonb)
        """;

    /// <summary>Parameters: history id, affected rows.</summary>
    public string SetAffectedRowsSql => $"UPDATE {History} SET affected_rows = $2 WHERE id = $1";

    /// <summary>Parameters: history id, success, affected rows, error message.</summary>
    public string CompleteHistorySql => $"""
        UPDATE {History} SET completed_at = pg_catalog.clock_timestamp(), success = $2, affected_rows = $3, error_message = $4
        WHERE id = $1
        """;

    /// <summary>
    /// Parameters: version, name, kind, elapsed ms (null: measured by the server since the current transaction started),
    /// checksum, machine, rollback SQL, status, origin.
    /// </summary>
    public string UpsertSql => _upsert ??= $"""
        {UpsertInto}
        VALUES ($1, $2, $3, pg_catalog.clock_timestamp(),
            coalesce($4::bigint, (extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint),
            $5, current_user || '@' || $6::text, $7, $8, $9)
        {UpsertConflict}
        """;

    private string UpsertInto => $"INSERT INTO {Migrations} AS m (version, migration_name, kind, applied_at, execution_time_ms, checksum, applied_by, rollback_sql, status, script_origin)";

    private static string UpsertConflict => """
        ON CONFLICT (version) DO UPDATE SET migration_name = EXCLUDED.migration_name, kind = EXCLUDED.kind,
            applied_at = EXCLUDED.applied_at, execution_time_ms = EXCLUDED.execution_time_ms, checksum = EXCLUDED.checksum,
            applied_by = EXCLUDED.applied_by, rollback_sql = EXCLUDED.rollback_sql, status = EXCLUDED.status,
            script_origin = EXCLUDED.script_origin
        """;

    private string CompletedHistoryInsert => $"""
        INSERT INTO {History} (version, action, started_at, completed_at, success, affected_rows, metadata)
        VALUES ($1, $2, pg_catalog.now(), pg_catalog.clock_timestamp(), true, $4::bigint,
            $3::jsonb || pg_catalog.jsonb_build_object('restorePointLsn', NULLIF(pg_catalog.current_setting('{RestorePointSetting}', true), '')))
        RETURNING id
        """;

    /// <summary>Parameters: version, status.</summary>
    public string SetStatusSql => $"UPDATE {Migrations} SET status = $2 WHERE version = $1";

    /// <summary>Parameters: success, metadata (jsonb text).</summary>
    public string InsertVerifySql => $"""
        INSERT INTO {History} (version, action, started_at, completed_at, success, metadata)
        VALUES ('*', 'verify', pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp(), $1, $2::jsonb)
        """;

    /// <summary>
    /// Creates the schema (only when it does not exist, so that a role without CREATE on the database can use one made for
    /// it) and the tables, unless they exist.
    /// </summary>
    public async Task EnsureTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var exists = new NpgsqlCommand(ExistsSql, connection);
        await using (exists.ConfigureAwait(false))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return;
            }
        }

        var schemaExists = new NpgsqlCommand(SchemaExistsSql, connection);
        await using (schemaExists.ConfigureAwait(false))
        {
            if (await schemaExists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                var createSchema = new NpgsqlCommand(CreateSchemaSql, connection);
                await using (createSchema.ConfigureAwait(false))
                {
                    await createSchema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var create = new NpgsqlCommand(CreateSql, connection);
        await using (create.ConfigureAwait(false))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static string Quote(string identifier) => TableName.QuoteIdentifier(identifier);

    public static NpgsqlBatchCommand Command(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    private static string Escape(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
