using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// A published CLI, as <c>./build.sh publish</c> makes it for operators: published once per fixture into a temporary
/// directory, then checked for what it ships and run against the real PostgreSQL and both S3 servers.
/// </summary>
public abstract class PublishedCliFixture
{
    /// <summary>Gets the temporary directory the CLI is published into.</summary>
    protected string Published { get; private set; } = null!;

    private string _work = null!;

    /// <summary>Gets the options of <c>./build.sh publish</c> for this form, before the output directory.</summary>
    protected abstract string[] PublishOptions { get; }

    /// <summary>Gets the program and leading arguments that run the published CLI.</summary>
    protected abstract (string FileName, string[] Prefix) Command { get; }

    [OneTimeSetUp]
    public async Task PublishAsync()
    {
        _work = Directory.CreateTempSubdirectory("dbr-published-cli-").FullName;
        Published = Path.Combine(_work, "cli");
        var publish = await ChildProcess.RunAsync(
            "bash", ["build.sh", "publish", .. PublishOptions, Published], TimeSpan.FromMinutes(20), RepositoryPaths.Root);
        publish.ExitCode.Should().Be(0, $"./build.sh publish {string.Join(' ', PublishOptions)} must succeed: {publish.Both}");
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_work, recursive: true);

    [Test]
    public async Task Backup_ToBothS3Servers_CompletesAndVerifies()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("published");
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 20000) g", connection);
            await command.ExecuteNonQueryAsync();
        }

        var bucket = "published-" + Guid.NewGuid().ToString("N")[..8];
        var storages = new List<string>();
        foreach (var server in TestServers.S3Servers)
        {
            using var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), new AmazonS3Config
            {
                ServiceURL = server.Endpoint.ToString(),
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            });
            await client.PutBucketAsync(bucket);
            storages.Add($"s3://{bucket}/app?endpoint={server.Endpoint}&region=us-east-1&pathStyle=true&compatibility={(server.RequiresCompatibilityMode ? "true" : "false")}");
        }

        var environment = Environment(connectionString, string.Join(';', storages));

        var backup = await RunAsync(environment, "backup", "--json");
        var verify = await RunAsync(environment, "verify", "latest");

        backup.ExitCode.Should().Be(0, backup.Error);
        using (var json = JsonDocument.Parse(backup.Output))
        {
            json.RootElement.GetProperty("status").GetString().Should().Be("completed");
            json.RootElement.GetProperty("sha256").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        }

        verify.ExitCode.Should().Be(0, verify.Output + verify.Error);
    }

    /// <summary>Returns the environment of a CLI run: the connection string, the storages and the S3 test servers' keys.</summary>
    protected static Dictionary<string, string> Environment(string connectionString, string storages) => new()
    {
        ["DBRESILIENCE_CONNECTION"] = connectionString,
        ["DBRESILIENCE_STORAGE"] = storages,
        ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
    };

    /// <summary>Runs the published CLI with <paramref name="arguments"/> and waits for it, for at most five minutes.</summary>
    internal Task<ChildProcess.Result> RunAsync(Dictionary<string, string> environment, params string[] arguments)
        => ChildProcess.RunAsync(Command.FileName, [.. Command.Prefix, .. arguments], TimeSpan.FromMinutes(5), environment: environment);
}
