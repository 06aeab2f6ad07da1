using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

/// <summary>A fresh database and a migrations directory for one test, with a runner over both.</summary>
internal sealed class MigrationTestContext : IAsyncDisposable
{
    private readonly List<DbResilienceHost> _hosts = new();

    private MigrationTestContext(string connectionString, string directory)
    {
        ConnectionString = connectionString;
        Directory = directory;
    }

    public string ConnectionString { get; }

    public string Directory { get; }

    private string QueryConnectionString
        => new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = "public, " + DbResilienceOptions.DefaultSchema }.ConnectionString;

    public static async Task<MigrationTestContext> CreateAsync()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("mig");
        var directory = Path.Combine(Path.GetTempPath(), "dbr-migrations-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return new MigrationTestContext(connectionString, directory);
    }

    public void Write(string fileName, string sql) => File.WriteAllText(Path.Combine(Directory, fileName), sql);

    public IMigrationRunner Runner(Action<MigrationOptions>? configure = null, string schema = DbResilienceOptions.DefaultSchema)
        => Build(configure, schema).GetRequiredService<IMigrationRunner>();

    public IMigrationAdopter Adopter(Action<MigrationOptions>? configure = null, string schema = DbResilienceOptions.DefaultSchema)
        => Build(configure, schema).GetRequiredService<IMigrationAdopter>();

    private DbResilienceHost Build(Action<MigrationOptions>? configure, string schema)
    {
        var host = new DbResilienceBuilder()
            .UseSchema(schema)
            .UsePostgreSql(ConnectionString)
            .AddMigrations(m =>
            {
                m.FromDirectory(Directory);
                configure?.Invoke(m);
            })
            .Build();
        _hosts.Add(host);
        return host;
    }

    /// <summary>Runs a query with the library's default schema after public on the search path, so tracking tables need no schema.</summary>
    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(QueryConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(QueryConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
