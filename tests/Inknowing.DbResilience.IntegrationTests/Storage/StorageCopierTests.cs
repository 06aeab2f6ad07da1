using Amazon.Runtime;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>Copies from a local directory to each real S3 server and back, with checksum verification.</summary>
public sealed class StorageCopierTests
{
    public static IEnumerable<string> ServerNames => ["s3rver", "fauxqs"];

    [TestCaseSource(nameof(ServerNames))]
    public async Task CopyAsync_DirectoryToS3_CopiesVerifiesAndSkipsOnTheSecondRun(string serverName)
    {
        var server = serverName == "s3rver" ? TestServers.S3rver : TestServers.Fauxqs;
        var root = Path.Combine(Path.GetTempPath(), "dbr-copy-" + Guid.NewGuid().ToString("N")[..8]);
        var bucket = "copy-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var local = new FileSystemStorageProvider(root);
            await local.WriteAsync("backups/b1/data.dump", new PatternStream(6L * 1024 * 1024));
            await local.WriteAsync("backups/b1/manifest.json", new PatternStream(300));
            await local.WriteAsync("wal/000000010000000000000001", new PatternStream(100));
            using var s3 = await CreateBucketStorageAsync(server, bucket);
            var copier = new StorageCopier();

            var first = await copier.CopyAsync(local, s3, "backups/");
            var second = await copier.CopyAsync(local, s3, "backups/");

            first.Select(i => (i.Key, i.Outcome)).Should().Equal(("backups/b1/data.dump", StorageCopyOutcome.Copied), ("backups/b1/manifest.json", StorageCopyOutcome.Copied));
            second.Should().OnlyContain(i => i.Outcome == StorageCopyOutcome.Skipped);
            (await s3.GetInfoAsync("backups/b1/data.dump"))!.Sha256.Should().Be(PatternStream.Sha256Of(6L * 1024 * 1024));
            (await s3.GetInfoAsync("wal/000000010000000000000001")).Should().BeNull();
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Test]
    public async Task CopyAsync_CorruptSource_ReportsTheObjectAsFailedAndLeavesNoCopy()
    {
        var root = Path.Combine(Path.GetTempPath(), "dbr-copy-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var local = new FileSystemStorageProvider(root);
            await local.WriteAsync("backups/b1/data.dump", new PatternStream(1000));
            var path = Path.Combine(root, "backups", "b1", "data.dump");
            var bytes = await File.ReadAllBytesAsync(path);
            bytes[10] ^= 1;
            await File.WriteAllBytesAsync(path, bytes);
            using var s3 = await CreateBucketStorageAsync(TestServers.Fauxqs, "copy-" + Guid.NewGuid().ToString("N")[..8]);

            var items = await new StorageCopier().CopyAsync(local, s3, string.Empty);

            items.Should().ContainSingle().Which.Outcome.Should().Be(StorageCopyOutcome.Failed);
            items[0].Error.Should().Contain("corrupt");
            (await s3.GetInfoAsync("backups/b1/data.dump")).Should().BeNull();
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task<S3StorageProvider> CreateBucketStorageAsync(S3TestServer server, string bucket)
    {
        var options = new S3StorageOptions
        {
            BucketName = bucket,
            ServiceUrl = server.Endpoint,
            ForcePathStyle = true,
            CompatibilityMode = server.RequiresCompatibilityMode,
            Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
            PartSize = S3StorageOptions.MinimumPartSize,
        };
        var storage = new S3StorageProvider(options);
        await storage.Client.PutBucketAsync(bucket);
        return storage;
    }
}
