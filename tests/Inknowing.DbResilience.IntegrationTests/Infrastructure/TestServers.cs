using System.Globalization;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Inknowing.DbResilience.IntegrationTests.Infrastructure;

/// <summary>
/// The real servers of the test run: one PostgreSQL server, s3rver, fauxqs and azurite (Azure Blob). Started once before the first test, stopped
/// after the last, even when tests fail.
/// </summary>
/// <remarks>
/// <para>
/// The PostgreSQL server is, in this order: the one DBRESILIENCE_TEST_PG names; a container of the image
/// DBRESILIENCE_TEST_PG_IMAGE names (Testcontainers.PostgreSql; <c>none</c> turns containers off); where a Docker engine
/// answers, a container of <c>dbresilience/postgres:MAJOR</c> (the major of the local client tools, built by eng/docker.sh);
/// else a local cluster (initdb and pg_ctl). A container is remote the way users' servers are: reached over TCP at the
/// Docker bridge address, never 127.0.0.1, with a file system this process cannot see.
/// </para>
/// <para>With CI=true a server that cannot start fails the run; otherwise its tests are skipped with the same message.</para>
/// </remarks>
public static class TestServers
{
    /// <summary>The label every test container carries, valued with the pid of the run that owns it (eng/docker.sh cleans up after killed runs).</summary>
    public const string OwnerLabel = "org.inknowing.dbresilience.owner";

    private static LocalPostgreSqlCluster? s_cluster;
    private static PostgreSqlContainer? s_container;
    private static string? s_postgreSqlConnectionString;
    private static string? s_postgreSqlProblem;
    private static S3TestServer? s_s3rver;
    private static S3TestServer? s_fauxqs;
    private static string? s_s3Problem;
    private static AzuriteServer? s_azurite;
    private static string? s_azuriteProblem;

    /// <summary>Gets the connection string of the superuser on the test server's <c>postgres</c> database.</summary>
    public static string PostgreSqlConnectionString => s_postgreSqlConnectionString ?? Unavailable(s_postgreSqlProblem);

    /// <summary>Gets the local cluster started for the run, or <see langword="null"/> when the server is remote (a container or DBRESILIENCE_TEST_PG).</summary>
    public static LocalPostgreSqlCluster? Cluster => s_cluster;

    /// <summary>Gets the container the server runs in, or <see langword="null"/> when it is not one.</summary>
    public static PostgreSqlContainer? Container => s_container;

    /// <summary>Gets a description of the server for messages: where it runs and how it was started.</summary>
    public static string PostgreSqlDescription { get; private set; } = "not started";

    /// <summary>Gets the major version of the test server.</summary>
    public static int ServerMajor { get; private set; }

    /// <summary>Gets the s3rver instance (needs the S3 compatibility setting).</summary>
    public static S3TestServer S3rver => s_s3rver ?? Unavailable<S3TestServer>(s_s3Problem);

    /// <summary>Gets the fauxqs instance (AWS SDK defaults).</summary>
    public static S3TestServer Fauxqs => s_fauxqs ?? Unavailable<S3TestServer>(s_s3Problem);

    /// <summary>Gets the azurite instance (the Azure Blob emulator): see <see cref="AzuriteServer.BlobEndpoint"/>.</summary>
    public static AzuriteServer Azurite => s_azurite ?? Unavailable<AzuriteServer>(s_azuriteProblem);

    /// <summary>Gets both S3 servers, for test cases that run against each.</summary>
    public static IEnumerable<S3TestServer> S3Servers => new[] { S3rver, Fauxqs };

    internal static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the major version of the local client tools (pg_dump), which the server matches unless told otherwise.</summary>
    internal static int LocalToolsMajor { get; } = FindLocalToolsMajor();

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

    /// <summary>
    /// Starts a PostgreSQL container of <paramref name="image"/> (a server the tests reach over the Docker bridge) and returns it
    /// started; the caller disposes it.
    /// </summary>
    internal static async Task<PostgreSqlContainer> StartContainerAsync(string image, CancellationToken cancellationToken = default)
    {
        var container = new PostgreSqlBuilder(image)
            .WithLabel(OwnerLabel, Environment.GetEnvironmentVariable("DBRESILIENCE_CONTAINER_OWNER")
                ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            .WithPassword(Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)))
            .WithCleanUp(false)
            .Build();
        try
        {
            await container.StartAsync(cancellationToken);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Gets the image of the run's server containers: DBRESILIENCE_TEST_PG_IMAGE, else <c>dbresilience/postgres:MAJOR</c>.</summary>
    internal static string? ContainerImage
    {
        get
        {
            var image = Environment.GetEnvironmentVariable("DBRESILIENCE_TEST_PG_IMAGE");
            if (string.Equals(image, "none", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return string.IsNullOrEmpty(image) ? $"dbresilience/postgres:{LocalToolsMajor}" : image;
        }
    }

    /// <summary>Gets the image of server containers of another major (for cross-version tests): <c>dbresilience/postgres:MAJOR</c>.</summary>
    internal static string ContainerImageOf(int major)
        => Environment.GetEnvironmentVariable($"DBRESILIENCE_TEST_PG{major}_IMAGE") is { Length: > 0 } image
            ? image
            : $"dbresilience/postgres:{major}";

    internal static async Task StartAsync()
    {
        s_postgreSqlConnectionString = Environment.GetEnvironmentVariable("DBRESILIENCE_TEST_PG");
        if (!string.IsNullOrEmpty(s_postgreSqlConnectionString))
        {
            PostgreSqlDescription = "the server DBRESILIENCE_TEST_PG names";
        }
        else
        {
            await StartPostgreSqlAsync();
        }

        if (s_postgreSqlConnectionString is not null)
        {
            await using var connection = new NpgsqlConnection(s_postgreSqlConnectionString);
            await connection.OpenAsync();
            ServerMajor = connection.PostgreSqlVersion.Major;
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

        try
        {
            s_azurite = await AzuriteServer.StartAsync();
            TestContext.Progress.WriteLine($"Azure Blob test server: azurite on {s_azurite.BlobEndpoint}");
        }
        catch (Exception ex)
        {
            s_azuriteProblem = "The Azure Blob test server (azurite) could not start. Run eng/install-prerequisites.sh "
                + "(it installs Node.js packages in eng/test-services). " + ex.Message;
            TestContext.Progress.WriteLine(s_azuriteProblem);
        }
    }

    internal static async Task StopAsync()
    {
        if (s_container is not null)
        {
            await s_container.DisposeAsync();
        }

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

        if (s_azurite is not null)
        {
            await s_azurite.DisposeAsync();
        }
    }

    private static async Task StartPostgreSqlAsync()
    {
        var explicitImage = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DBRESILIENCE_TEST_PG_IMAGE"));
        if (ContainerImage is { } image && (explicitImage || DockerAnswers()))
        {
            try
            {
                s_container = await StartContainerAsync(image);
                s_postgreSqlConnectionString = s_container.GetConnectionString();
                var address = new NpgsqlConnectionStringBuilder(s_postgreSqlConnectionString);
                PostgreSqlDescription = $"container {image} at {address.Host}:{address.Port}";
                TestContext.Progress.WriteLine($"PostgreSQL test server: {PostgreSqlDescription} (Testcontainers)");
                return;
            }
            catch (Exception ex) when (!explicitImage)
            {
                TestContext.Progress.WriteLine($"No PostgreSQL container ({image}: {ex.Message}); using a local cluster. Build the image with: eng/docker.sh images {LocalToolsMajor}");
            }
            catch (Exception ex)
            {
                s_postgreSqlProblem = $"The PostgreSQL test container ({image}) could not start. Build it with eng/docker.sh images, "
                    + "or set DBRESILIENCE_TEST_PG_IMAGE=none to use a local cluster. " + ex.Message;
                TestContext.Progress.WriteLine(s_postgreSqlProblem);
                return;
            }
        }

        try
        {
            s_cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions
            {
                EnableArchiving = true,
                ReplicationRole = "replicator",
                Settings = { ["max_connections"] = "200" },
            });
            s_postgreSqlConnectionString = s_cluster.ConnectionString;
            PostgreSqlDescription = $"local cluster on 127.0.0.1:{s_cluster.Port} ({s_cluster.BinDirectory})";
            TestContext.Progress.WriteLine($"PostgreSQL test server: {PostgreSqlDescription}, data in {s_cluster.DataDirectory}");
        }
        catch (Exception ex)
        {
            s_postgreSqlProblem = "The PostgreSQL test cluster could not start. Run eng/install-prerequisites.sh "
                + "(it installs postgresql-15), or set DBRESILIENCE_TEST_PG to the connection string of a server. " + ex.Message;
            TestContext.Progress.WriteLine(s_postgreSqlProblem);
        }
    }

    /// <summary>
    /// Stops a test that needs server containers when the run has none (no Docker): a failure with CI=true, a skip otherwise,
    /// with what to do either way.
    /// </summary>
    internal static void RequireContainers()
    {
        if (s_container is null)
        {
            _ = Unavailable($"This test starts PostgreSQL servers in containers, but the run's server is {PostgreSqlDescription}: "
                + "run ./build.sh test (it installs and starts Docker and builds the images: eng/docker.sh).");
        }
    }

    private static bool DockerAnswers()
        => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static int FindLocalToolsMajor()
    {
        try
        {
            var pgDump = ToolLocator.FindClientTool("pg_dump", null);
            return ToolLocator.GetVersionAsync(pgDump, CancellationToken.None).GetAwaiter().GetResult().Major;
        }
        catch (ExternalToolException)
        {
            return 15;
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
