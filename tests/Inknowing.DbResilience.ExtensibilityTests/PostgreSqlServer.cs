using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.ExtensibilityTests;

/// <summary>
/// The real PostgreSQL server of the run: a throwaway <see cref="LocalPostgreSqlCluster"/> (the library's public API), or the
/// server named by DBRESILIENCE_TEST_PG. With CI=true a server that cannot start fails the tests; otherwise they are skipped.
/// </summary>
[SetUpFixture]
public sealed class PostgreSqlServer
{
    private static LocalPostgreSqlCluster? s_cluster;
    private static string? s_connectionString;
    private static string? s_problem;

    /// <summary>Gets the superuser connection string of the server's <c>postgres</c> database.</summary>
    public static string ConnectionString
    {
        get
        {
            if (s_connectionString is not null)
            {
                return s_connectionString;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(s_problem ?? "No PostgreSQL server.");
            }

            Assert.Ignore(s_problem ?? "No PostgreSQL server.");
            return string.Empty;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        await ExecuteAsync(ConnectionString, $"CREATE DATABASE \"{name}\"");
        return WithDatabase(name);
    }

    /// <summary>Returns the server's connection string for another database.</summary>
    public static string WithDatabase(string database)
        => new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database, Pooling = false }.ConnectionString;

    /// <summary>Runs SQL on a database.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query that returns one value.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        s_connectionString = Environment.GetEnvironmentVariable("DBRESILIENCE_TEST_PG");
        if (!string.IsNullOrEmpty(s_connectionString))
        {
            return;
        }

        s_connectionString = null;
        try
        {
            s_cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { DisableFsync = true });
            s_connectionString = s_cluster.ConnectionString;
        }
        catch (Exception ex) when (ex is DbResilienceException or IOException or InvalidOperationException)
        {
            s_problem = "The PostgreSQL test cluster could not start. Run eng/install-prerequisites.sh (it installs postgresql-15), "
                + "or set DBRESILIENCE_TEST_PG to the connection string of a server. " + ex.Message;
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (s_cluster is not null)
        {
            await s_cluster.DisposeAsync();
        }
    }
}
