using Amazon.Runtime;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

/// <summary>A backup made by the backup service into a real S3 server, restored through IRestoreService.</summary>
public sealed class S3RestoreTests
{
    private string _source = null!;

    [OneTimeSetUp]
    public async Task CreateSource()
    {
        _source = await TestServers.CreateDatabaseAsync("s3restore");
        await ExecuteAsync(_source, """
            CREATE TABLE public."Mixed Case" (id int PRIMARY KEY, body text, at timestamptz);
            INSERT INTO public."Mixed Case" SELECT i, repeat(md5(i::text), 20), timestamptz '2026-01-01' + i * interval '1 minute' FROM generate_series(1, 20000) i;
            """);
    }

    [TestCase("s3rver", 1)]
    [TestCase("fauxqs", 2)]
    public async Task RestoreAsync_BackupInS3_NewDatabaseMatchesSourceRowForRow(string serverName, int jobs)
    {
        var server = TestServers.S3Servers.Single(s => s.Name == serverName);
        var bucket = "restore-" + Guid.NewGuid().ToString("N")[..8];
        var options = new S3StorageOptions
        {
            BucketName = bucket,
            Region = "us-east-1",
            ServiceUrl = server.Endpoint,
            ForcePathStyle = true,
            CompatibilityMode = server.RequiresCompatibilityMode,
            Credentials = new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
            PartSize = S3StorageOptions.MinimumPartSize,
        };
        using (var bucketMaker = new S3StorageProvider(options))
        {
            await bucketMaker.Client.PutBucketAsync(bucket);
        }

        await using var host = new DbResilienceBuilder()
            .UsePostgreSql(_source)
            .UseS3Storage(o =>
            {
                o.BucketName = options.BucketName;
                o.Region = options.Region;
                o.ServiceUrl = options.ServiceUrl;
                o.ForcePathStyle = true;
                o.CompatibilityMode = options.CompatibilityMode;
                o.Credentials = options.Credentials;
                o.PartSize = options.PartSize;
            })
            .Build();
        var backup = await host.GetRequiredService<IBackupService>().CreateAsync();
        var target = NewDatabaseName("froms3");
        try
        {
            var result = await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { BackupId = backup.Manifest.Id, TargetDatabase = target, Jobs = jobs });

            result.Jobs.Should().Be(jobs);
            var expected = await TableChecksumsAsync(_source);
            var actual = await TableChecksumsAsync(WithDatabase(_source, target));
            actual["public.\"Mixed Case\""].Should().StartWith("20000:").And.Be(expected["public.\"Mixed Case\""]);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }
}
