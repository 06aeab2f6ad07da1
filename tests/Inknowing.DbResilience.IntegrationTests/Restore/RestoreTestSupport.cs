using System.Security.Cryptography;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

/// <summary>Dumps databases with pg_dump, compares table contents by checksum, and builds restore strategies.</summary>
internal static class RestoreTestSupport
{
    /// <summary>Runs pg_dump in the given format into a file and returns a restore source over it.</summary>
    public static async Task<RestoreSource> DumpAsync(string connectionString, string path, string format = "c", string backupId = "20261122T000000Z-manual-test")
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_dump", null));
        LibpqConnection.Apply(start, connectionString);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        start.Arguments.AddRange(["-F", format, "-f", path, "-d", LibpqConnection.DatabaseOnly(database)]);
        await ToolProcess.RunAsync(start, CancellationToken.None);
        return SourceFor(path, backupId, format == "p" ? RestoreSourceFormat.Plain : RestoreSourceFormat.Custom, database);
    }

    /// <summary>Returns a restore source over a local file, with the file's SHA-256 as the expected one.</summary>
    public static RestoreSource SourceFor(string path, string backupId, RestoreSourceFormat format, string? database = null, string? sha256 = null)
    {
        sha256 ??= Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
        return new RestoreSource
        {
            BackupId = backupId,
            Format = format,
            Sha256 = sha256,
            SizeBytes = new FileInfo(path).Length,
            SourceDatabase = database,
            OpenAsync = _ => Task.FromResult<Stream>(File.OpenRead(path)),
        };
    }

    /// <summary>
    /// Returns md5 of every row of every user table, keyed by table, so two databases can be compared row for row. Rows are
    /// compared as JSON objects, by column name: pg_dump recreates an inheritance child whose columns were in another order
    /// than its parent's with the parent's columns first.
    /// </summary>
    public static async Task<Dictionary<string, string>> TableChecksumsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'dbresilience') AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY 1
            """,
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) || ':' || coalesce(md5(string_agg(to_jsonb(t)::text, ',' ORDER BY to_jsonb(t)::text)), '') FROM {table} t", connection);
            checksums[table] = (string)(await command.ExecuteScalarAsync())!;
        }

        return checksums;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static string WithDatabase(string connectionString, string database)
        => new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = false }.ConnectionString;

    public static async Task DropDatabaseAsync(string database)
        => await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"DROP DATABASE IF EXISTS {TableName.QuoteIdentifier(database)} WITH (FORCE)");

    public static PgRestoreStrategy PgRestore(string connectionString, Action<RestoreOptions>? configure = null)
        => new(Options.Create(new PostgreSqlOptions { ConnectionString = connectionString }), Options.Create(Configure(configure)), TimeProvider.System, NullLogger<PgRestoreStrategy>.Instance);

    public static PsqlRestoreStrategy Psql(string connectionString)
        => new(Options.Create(new PostgreSqlOptions { ConnectionString = connectionString }), Options.Create(new RestoreOptions()), TimeProvider.System, NullLogger<PsqlRestoreStrategy>.Instance);

    public static string NewDatabaseName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static RestoreOptions Configure(Action<RestoreOptions>? configure)
    {
        var options = new RestoreOptions();
        configure?.Invoke(options);
        return options;
    }
}
