using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

/// <summary>
/// The SQL migration framework that applications ran before adopting the library, rebuilt from its description: its
/// <c>schema_migrations</c> and <c>migration_history</c> tables in <c>public</c> and its plpgsql <c>apply_migration</c> and
/// <c>rollback_migration</c> functions, which run inside the caller's transaction.
/// </summary>
internal static class SqlMigrationFramework
{
    public const string InstallSql = """
        CREATE TABLE public.schema_migrations (
            version VARCHAR(20) PRIMARY KEY,
            migration_name VARCHAR(255) NOT NULL,
            applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            execution_time_ms INTEGER,
            checksum VARCHAR(64),
            applied_by VARCHAR(100) DEFAULT CURRENT_USER,
            rollback_sql TEXT,
            status VARCHAR(20) DEFAULT 'completed' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'rolled_back'))
        );

        CREATE TABLE public.migration_history (
            id BIGSERIAL PRIMARY KEY,
            version VARCHAR(20) NOT NULL,
            action VARCHAR(20) NOT NULL CHECK (action IN ('apply', 'rollback', 'verify')),
            started_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            completed_at TIMESTAMP,
            success BOOLEAN,
            error_message TEXT,
            affected_rows INTEGER,
            metadata JSONB
        );
        CREATE INDEX idx_migration_history_version ON public.migration_history (version);
        CREATE INDEX idx_migration_history_action_started ON public.migration_history (action, started_at DESC);

        CREATE FUNCTION public.apply_migration(p_version VARCHAR(20), p_migration_name VARCHAR(255), p_sql TEXT, p_rollback_sql TEXT DEFAULT NULL)
        RETURNS BOOLEAN LANGUAGE plpgsql AS $fn$
        DECLARE
            v_started TIMESTAMP := clock_timestamp();
            v_history_id BIGINT;
        BEGIN
            IF EXISTS (SELECT 1 FROM public.schema_migrations WHERE version = p_version AND status = 'completed') THEN
                RAISE NOTICE 'migration % is already applied', p_version;
                RETURN TRUE;
            END IF;

            INSERT INTO public.schema_migrations (version, migration_name, checksum, rollback_sql, status)
            VALUES (p_version, p_migration_name, encode(sha256(p_sql::bytea), 'hex'), p_rollback_sql, 'running')
            ON CONFLICT (version) DO UPDATE SET migration_name = EXCLUDED.migration_name, checksum = EXCLUDED.checksum,
                rollback_sql = EXCLUDED.rollback_sql, status = 'running', applied_at = CURRENT_TIMESTAMP;
            INSERT INTO public.migration_history (version, action, started_at, metadata)
            VALUES (p_version, 'apply', v_started, jsonb_build_object('name', p_migration_name))
            RETURNING id INTO v_history_id;

            BEGIN
                EXECUTE p_sql;
            EXCEPTION WHEN OTHERS THEN
                UPDATE public.schema_migrations SET status = 'failed' WHERE version = p_version;
                UPDATE public.migration_history SET completed_at = clock_timestamp(), success = false, error_message = SQLERRM WHERE id = v_history_id;
                RAISE;
            END;

            UPDATE public.schema_migrations
            SET status = 'completed', execution_time_ms = (extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer
            WHERE version = p_version;
            UPDATE public.migration_history SET completed_at = clock_timestamp(), success = true WHERE id = v_history_id;
            RETURN TRUE;
        END
        $fn$;

        CREATE FUNCTION public.rollback_migration(p_version VARCHAR(20))
        RETURNS BOOLEAN LANGUAGE plpgsql AS $fn$
        DECLARE
            v_sql TEXT;
            v_history_id BIGINT;
        BEGIN
            SELECT rollback_sql INTO v_sql FROM public.schema_migrations WHERE version = p_version AND status = 'completed';
            IF v_sql IS NULL THEN
                RAISE EXCEPTION 'migration % is not applied or has no rollback SQL', p_version;
            END IF;

            INSERT INTO public.migration_history (version, action, started_at) VALUES (p_version, 'rollback', clock_timestamp())
            RETURNING id INTO v_history_id;
            BEGIN
                EXECUTE v_sql;
            EXCEPTION WHEN OTHERS THEN
                UPDATE public.migration_history SET completed_at = clock_timestamp(), success = false, error_message = SQLERRM WHERE id = v_history_id;
                RAISE;
            END;

            UPDATE public.schema_migrations SET status = 'rolled_back' WHERE version = p_version;
            UPDATE public.migration_history SET completed_at = clock_timestamp(), success = true WHERE id = v_history_id;
            RETURN TRUE;
        END
        $fn$;
        """;

    /// <summary>The legacy application's migrations: version, name, SQL, rollback SQL.</summary>
    public static readonly (string Version, string Name, string Sql, string Rollback)[] Migrations =
    [
        ("001", "create_legacy_users", "CREATE TABLE legacy_users (id int PRIMARY KEY, name text NOT NULL);", "DROP TABLE legacy_users;"),
        ("002", "add_legacy_email", "ALTER TABLE legacy_users ADD COLUMN email text;", "ALTER TABLE legacy_users DROP COLUMN email;"),
        ("003", "create_legacy_orders", "CREATE TABLE legacy_orders (id int PRIMARY KEY, user_id int REFERENCES legacy_users (id));", "DROP TABLE legacy_orders;"),
    ];

    /// <summary>Installs the framework in <c>public</c>, applies the first <paramref name="count"/> migrations through apply_migration, and adds rows.</summary>
    public static async Task InstallAndApplyAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var install = new NpgsqlCommand(InstallSql, connection))
        {
            await install.ExecuteNonQueryAsync();
        }

        foreach (var (version, name, sql, rollback) in Migrations.Take(count))
        {
            await using var apply = new NpgsqlCommand("SELECT public.apply_migration($1, $2, $3, $4)", connection)
            {
                Parameters = { new() { Value = version }, new() { Value = name }, new() { Value = sql }, new() { Value = rollback } },
            };
            (await apply.ExecuteScalarAsync()).Should().Be(true);
        }

        await using var rows = new NpgsqlCommand("INSERT INTO legacy_users (id, name) SELECT g, 'user ' || g FROM generate_series(1, 50) g", connection);
        await rows.ExecuteNonQueryAsync();
    }

    /// <summary>Writes the framework's migrations as the library's files (the same SQL text, so their checksums match).</summary>
    public static void WriteFiles(MigrationTestContext context, int count)
    {
        foreach (var (version, name, sql, _) in Migrations.Take(count))
        {
            context.Write($"V{version}__{name}.sql", sql);
        }
    }
}
