using Amazon.Runtime;
using Amazon.S3;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>Backups written to a local directory and a real S3-compatible server at once, then listed and verified from S3 alone.</summary>
public sealed class S3BackupTests
{
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connectionString = await BackupTestDatabase.CreateShopAsync();

    [TestCase("s3rver")]
    [TestCase("fauxqs")]
    public async Task CreateAsync_FileAndS3_BothCopiesVerifyAndS3AloneListsAndRestores(string serverName)
    {
        var server = serverName == "s3rver" ? TestServers.S3rver : TestServers.Fauxqs;
        var bucket = "backups-" + Guid.NewGuid().ToString("N")[..8];
        var config = new AmazonS3Config { ServiceURL = server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" };
        if (server.RequiresCompatibilityMode)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        using (var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), config))
        {
            await client.PutBucketAsync(bucket);
        }

        void S3(S3StorageOptions o)
        {
            o.BucketName = bucket;
            o.Prefix = "shop";
            o.ServiceUrl = server.Endpoint;
            o.ForcePathStyle = true;
            o.CompatibilityMode = server.RequiresCompatibilityMode;
            o.Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey);
            o.PartSize = 5 * 1024 * 1024;
        }

        var directory = BackupTestDatabase.NewStorageDirectory();
        try
        {
            BackupManifest manifest;
            await using (var both = new DbResilienceBuilder().UsePostgreSql(_connectionString).UseFileSystemStorage(directory).AddS3Storage(S3).Build())
            {
                manifest = (await both.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { Format = BackupFormat.Plain })).Manifest;
                var report = await both.GetRequiredService<IBackupService>().VerifyAsync(manifest.Id);
                report.Problems.Should().BeEmpty();
                report.Copies.Should().HaveCount(2).And.OnlyContain(c => c.Succeeded);
            }

            await using var s3Only = new DbResilienceBuilder().UsePostgreSql(_connectionString).UseS3Storage(S3).Build();
            var service = s3Only.GetRequiredService<IBackupService>();
            var listed = await service.ListAsync();
            var restored = await service.VerifyAsync("latest", restoreTest: true);

            manifest.Locations.Should().HaveCount(2);
            listed.Should().ContainSingle().Which.Id.Should().Be(manifest.Id);
            listed[0].Locations.Should().ContainSingle().Which.Should().StartWith("s3://" + bucket);
            restored.Problems.Should().BeEmpty();
            restored.TablesCompared.Should().BeGreaterThan(5);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
