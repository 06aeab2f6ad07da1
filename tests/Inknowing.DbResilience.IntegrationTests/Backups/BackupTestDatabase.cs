using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>A database with a small shop schema (tables, a partitioned table, a mixed-case name) and helpers to build backup hosts on it.</summary>
internal static class BackupTestDatabase
{
    public const string ShopSchema = """
        CREATE SCHEMA shop;
        CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, email text);
        INSERT INTO shop.customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
        CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int REFERENCES shop.customers, total numeric(10,2));
        INSERT INTO shop.orders (customer_id, total) SELECT 1 + g % 2000, g % 500 FROM generate_series(1, 10000) g;
        CREATE TABLE shop.login_history (id serial PRIMARY KEY, customer_id int, at timestamptz DEFAULT now());
        INSERT INTO shop.login_history (customer_id) SELECT g % 2000 FROM generate_series(1, 3000) g;
        CREATE TABLE public.performance_metrics (id serial, value double precision);
        INSERT INTO public.performance_metrics (value) SELECT random() FROM generate_series(1, 1000);
        CREATE TABLE shop."Mixed Case" (x int);
        INSERT INTO shop."Mixed Case" SELECT generate_series(1, 7);
        CREATE TABLE shop.events (id int, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO shop.events SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 800) g;
        """;

    public static async Task<string> CreateShopAsync()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("backups");
        await ExecuteAsync(connectionString, ShopSchema);
        return connectionString;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static DbResilienceHost BuildHost(
        string connectionString,
        IReadOnlyList<string> storages,
        Action<BackupOptions>? configure = null,
        TimeProvider? time = null,
        string? toolsDirectory = null)
    {
        var builder = new DbResilienceBuilder()
            .UsePostgreSql(o =>
            {
                o.ConnectionString = connectionString;
                o.ToolsDirectory = toolsDirectory;
            })
            .UseFileSystemStorage(storages[0]);
        foreach (var extra in storages.Skip(1))
        {
            builder.AddFileSystemStorage(extra);
        }

        if (time is not null)
        {
            builder.UseTimeProvider(time);
        }

        builder.ConfigureBackups(o => configure?.Invoke(o));
        return builder.Build();
    }

    public static string NewStorageDirectory() => Path.Combine(Path.GetTempPath(), "dbr-backup-tests-" + Guid.NewGuid().ToString("N")[..10]);

    public static string[] KeysUnder(string storage, string prefix = "backups")
    {
        var root = Path.Combine(storage, prefix);
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(storage, f)).ToArray()
            : [];
    }
}
