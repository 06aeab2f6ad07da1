using System.Diagnostics;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// The CLI as operators install it: <c>./build.sh publish</c>, which is <c>dotnet publish -r linux-x64</c> of the sample
/// (framework-dependent, ReadyToRun). Published once for the fixture, then checked for what it ships and run against the
/// real PostgreSQL and both S3 servers.
/// </summary>
public sealed class PublishedCliTests
{
    private string _work = null!;
    private string _published = null!;

    [OneTimeSetUp]
    public async Task PublishAsync()
    {
        _work = Directory.CreateTempSubdirectory("dbr-published-cli-").FullName;
        _published = Path.Combine(_work, "cli");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };

        // No MSBuild node or compiler server may outlive the publish: one would inherit its output pipes and the reads below
        // would never end (seen in the test-runner containers, where no such server was running before).
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var argument in new[]
        {
            "publish", Path.Combine(RepositoryPaths.Root, "samples", "Inknowing.DbResilience.Cli"), "-c", "Release",
            "-r", "linux-x64", "--self-contained", "false", "-o", _published, "-nologo", "-v", "quiet",
            "-nodeReuse:false", "-p:UseSharedCompilation=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, "dotnet publish -r linux-x64 of the CLI must succeed: " + output + await error);
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_work, recursive: true);

    [TestCase("dbresilience.dll")]
    [TestCase("Inknowing.DbResilience.dll")]
    [TestCase("Inknowing.DbResilience.S3.dll")]
    [TestCase("AWSSDK.Core.dll")]
    [TestCase("Npgsql.dll")]
    public void Publish_CompilesEveryAssemblyAheadOfTime(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(Path.Combine(_published, assembly)));

        reader.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size.Should().BeGreaterThan(0, $"{assembly} must carry ReadyToRun code");
    }

    [Test]
    public void Publish_CarriesTheRuntimeSettings()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published, "dbresilience.runtimeconfig.json")));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64().Should().Be(2 * 1024 * 1024);
        properties.GetProperty("System.GC.Concurrent").GetBoolean().Should().BeFalse();
        properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().Should().BeFalse();
        properties.GetProperty("System.Runtime.TieredCompilation.CallCountThreshold").GetInt32().Should().Be(65535);
        properties.GetProperty("System.Globalization.Invariant").GetBoolean().Should().BeTrue();
    }

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

        var environment = new Dictionary<string, string>
        {
            ["DBRESILIENCE_CONNECTION"] = connectionString,
            ["DBRESILIENCE_STORAGE"] = string.Join(';', storages),
            ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
        };
        var dll = Path.Combine(_published, "dbresilience.dll");

        var backup = PitrCli.RunSeparately(PitrCli.DotnetPath, environment, dll, "backup", "--json");
        var verify = PitrCli.RunSeparately(PitrCli.DotnetPath, environment, dll, "verify", "latest");

        backup.ExitCode.Should().Be(0, backup.Error);
        using (var json = JsonDocument.Parse(backup.Output))
        {
            json.RootElement.GetProperty("status").GetString().Should().Be("completed");
            json.RootElement.GetProperty("sha256").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        }

        verify.ExitCode.Should().Be(0, verify.Output + verify.Error);
    }
}
