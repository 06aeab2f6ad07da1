using Inknowing.DbResilience.PostgreSql.Clusters;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Infrastructure;

/// <summary>
/// The real servers of the test run: one PostgreSQL 15 cluster (or the server named by DBRESILIENCE_TEST_PG),
/// s3rver and fauxqs, all on 127.0.0.1. Started once before the first test, stopped after the last, even when tests fail.
/// </summary>
/// <remarks>With CI=true a server that cannot start fails the run; otherwise its tests are skipped with the same message.</remarks>
public static class TestServers
{
    private static LocalPostgreSqlCluster? s_cluster;
    private static string? s_postgreSqlConnectionString;
    private static string? s_postgreSqlProblem;
    private static S3TestServer? s_s3rver;
    private static S3TestServer? s_fauxqs;
    private static string? s_s3Problem;

    /// <summary>Gets the connection string of the superuser on the test server's <c>postgres</c> database.</summary>
    public static string PostgreSqlConnectionString => s_postgreSqlConnectionString ?? Unavailable(s_postgreSqlProblem);

    /// <summary>Gets the local cluster started for the run, or <see langword="null"/> when DBRESILIENCE_TEST_PG names another server.</summary>
    public static LocalPostgreSqlCluster? Cluster => s_cluster;

    /// <summary>Gets the s3rver instance (needs the S3 compatibility setting).</summary>
    public static S3TestServer S3rver => s_s3rver ?? Unavailable<S3TestServer>(s_s3Problem);

    /// <summary>Gets the fauxqs instance (AWS SDK defaults).</summary>
    public static S3TestServer Fauxqs => s_fauxqs ?? Unavailable<S3TestServer>(s_s3Problem);

    /// <summary>Gets both S3 servers, for test cases that run against each.</summary>
    public static IEnumerable<S3TestServer> S3Servers => new[] { S3rver, Fauxqs };

    internal static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates a new, empty database on the test server and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(PostgreSqlConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgreSqlConnectionString) { Database = name, Pooling = false }.ConnectionString;
    }

    internal static async Task StartAsync()
    {
        s_postgreSqlConnectionString = Environment.GetEnvironmentVariable("DBRESILIENCE_TEST_PG");
        if (string.IsNullOrEmpty(s_postgreSqlConnectionString))
        {
            try
            {
                s_cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions
                {
                    EnableArchiving = true,
                    ReplicationRole = "replicator",
                    Settings = { ["max_connections"] = "200" },
                });
                s_postgreSqlConnectionString = s_cluster.ConnectionString;
                TestContext.Progress.WriteLine(
                    $"PostgreSQL test cluster on 127.0.0.1:{s_cluster.Port} ({s_cluster.BinDirectory}), data in {s_cluster.DataDirectory}");
            }
            catch (Exception ex)
            {
                s_postgreSqlProblem = "The PostgreSQL test cluster could not start. Run eng/install-prerequisites.sh "
                    + "(it installs postgresql-15), or set DBRESILIENCE_TEST_PG to the connection string of a server. " + ex.Message;
                TestContext.Progress.WriteLine(s_postgreSqlProblem);
            }
        }

        try
        {
            s_s3rver = await S3TestServer.StartS3rverAsync();
            s_fauxqs = await S3TestServer.StartFauxqsAsync();
            TestContext.Progress.WriteLine($"S3 test servers: s3rver on {s_s3rver.Endpoint}, fauxqs on {s_fauxqs.Endpoint}");
        }
        catch (Exception ex)
        {
            s_s3Problem = "The S3 test servers (s3rver, fauxqs) could not start. Run eng/install-prerequisites.sh "
                + "(it installs Node.js packages in eng/test-services). " + ex.Message;
            TestContext.Progress.WriteLine(s_s3Problem);
        }
    }

    internal static async Task StopAsync()
    {
        if (s_cluster is not null)
        {
            await s_cluster.DisposeAsync();
        }

        if (s_s3rver is not null)
        {
            await s_s3rver.DisposeAsync();
        }

        if (s_fauxqs is not null)
        {
            await s_fauxqs.DisposeAsync();
        }
    }

    private static string Unavailable(string? problem) => Unavailable<string>(problem);

    private static T Unavailable<T>(string? problem)
    {
        var message = problem ?? "The test servers were not started.";
        if (IsCi)
        {
            Assert.Fail(message);
        }
        else
        {
            Assert.Ignore(message);
        }

        throw new InvalidOperationException(message);
    }
}
