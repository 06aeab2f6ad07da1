using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// Runs the README's first command, the demo, as a newcomer would (no configuration: the CLI's variables unset) and
/// checks its JSON summary: every step passed, each disaster recovered with no row lost, RTO and RPO within their objectives,
/// and the backups copied to a real S3 server (s3rver, as <c>./build.sh demo</c> starts one) verified there.
/// </summary>
public sealed class DemoCommandTests
{
    [Test]
    public async Task Demo_NoConfiguration_EveryStepPassesAndNoRowIsLost()
    {
        var temporary = Directory.CreateTempSubdirectory("demo-test-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // The throwaway cluster's server runs as the postgres OS user when the tests run as root.
                File.SetUnixFileMode(temporary.FullName, (UnixFileMode)0b111_101_101);
            }

            var bucket = "demo-" + Guid.NewGuid().ToString("N")[..8];
            var server = TestServers.S3rver;
            var config = new AmazonS3Config
            {
                ServiceURL = server.Endpoint.ToString(),
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            };
            using var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), config);
            await client.PutBucketAsync(bucket);
            var copyTo = $"s3://{bucket}/shop?endpoint={server.Endpoint}&region=us-east-1&pathStyle=true&compatibility=true";

            var (exitCode, output, error) = await RunDemoAsync(temporary.FullName, copyTo);

            exitCode.Should().Be(0, error);
            using var summary = JsonDocument.Parse(output);
            var root = summary.RootElement;
            root.GetProperty("passed").GetBoolean().Should().BeTrue();
            var steps = root.GetProperty("steps").EnumerateArray().ToList();
            steps.Where(s => !s.GetProperty("passed").GetBoolean()).Select(s => s.GetProperty("name").GetString() + ": " + s.GetProperty("detail").GetString())
                .Should().BeEmpty();
            steps.Select(s => s.GetProperty("name").GetString()).Should().Contain(
                ["migrate", "backup", "verify", "storage copy", "verify the copy", "restore-table", "restore --table", "migrate (fails)", "schema untouched", "migrate (fixed)", "rollback", "pitr drill", "drill", "integrity"]);

            var disasters = root.GetProperty("disasters").EnumerateArray().ToList();
            disasters.Should().HaveCount(3);
            disasters.Should().AllSatisfy(d =>
            {
                d.GetProperty("rowsBefore").GetInt64().Should().BePositive();
                d.GetProperty("rowsAfter").GetInt64().Should().Be(d.GetProperty("rowsBefore").GetInt64(), d.GetProperty("name").GetString());
                d.GetProperty("rowsLost").GetInt64().Should().Be(0);
            });
            root.GetProperty("rowsLost").GetInt64().Should().Be(0);
            root.GetProperty("rtoSeconds").GetDouble().Should().BePositive().And.BeLessThanOrEqualTo(root.GetProperty("rtoObjectiveSeconds").GetDouble());
            root.GetProperty("rpoSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0).And.BeLessThanOrEqualTo(root.GetProperty("rpoObjectiveSeconds").GetDouble());

            temporary.EnumerateFileSystemInfos().Should().BeEmpty("the demo removes its cluster and storage");
            var copied = await client.ListObjectsV2Async(new() { BucketName = bucket, Prefix = "shop/backups/" });
            copied.S3Objects.Should().Contain(o => o.Key.EndsWith("/manifest.json", StringComparison.Ordinal), "the off-site copy holds the backups");
        }
        finally
        {
            temporary.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunDemoAsync(string temporaryDirectory, string copyTo)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliProcess.DllPath);
        info.ArgumentList.Add("demo");
        info.ArgumentList.Add("--json");
        info.ArgumentList.Add("--copy-to");
        info.ArgumentList.Add(copyTo);
        foreach (var variable in new[] { "DBRESILIENCE_CONNECTION", "DBRESILIENCE_STORAGE", "DBRESILIENCE_SCHEMA", "DBRESILIENCE_BACKUP_KEY" })
        {
            info.Environment.Remove(variable);
        }

        info.Environment["TMPDIR"] = temporaryDirectory;
        info.Environment["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
