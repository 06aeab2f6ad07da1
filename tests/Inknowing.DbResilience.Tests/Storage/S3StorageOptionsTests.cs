using Amazon.S3;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class S3StorageOptionsTests
{
    [Test]
    public void Validate_EverythingWrong_ListsEveryProblemNamingTheProperty()
    {
        var options = new S3StorageOptions
        {
            Prefix = "../up",
            ServiceUrl = new Uri("ftp://example.org"),
            PartSize = 1024,
            ListPageSize = 0,
            KmsKeyId = "key",
        };

        var problems = options.Validate();

        problems.Should().HaveCount(6);
        problems.Should().Contain(p => p.StartsWith("BucketName", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("Prefix", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("ServiceUrl", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("PartSize", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("ListPageSize", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("KmsKeyId", StringComparison.Ordinal));
    }

    [Test]
    public void Build_UseS3StorageWithoutBucket_ReportsTheCallAndTheProperty()
    {
        var builder = new DbResilienceBuilder().UseS3Storage(o => o.Prefix = "app");

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>()
            .Which.Errors.Should().ContainSingle().Which.Should().StartWith("UseS3Storage(...): BucketName is not set");
    }

    [Test]
    public async Task Build_FileAndS3Storages_ResolvesBothWithNamesWithoutCredentials()
    {
        await using var host = new DbResilienceBuilder()
            .UseFileSystemStorage("/tmp/dbr-s3-names")
            .AddS3Storage(o =>
            {
                o.BucketName = "acme";
                o.Prefix = "/prod/app/";
                o.ServiceUrl = new Uri("http://127.0.0.1:9000");
                o.Credentials = new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "very-secret");
            })
            .Build();

        var names = host.GetRequiredService<IStorageSet>().Providers.Select(p => p.Name).ToList();

        names.Should().Equal("file:///tmp/dbr-s3-names", "s3://acme/prod/app at http://127.0.0.1:9000");
        names[1].Should().NotContain("very-secret").And.NotContain("AKIDEXAMPLE");
    }

    [TestCase(503, true)]
    [TestCase(429, true)]
    [TestCase(404, false)]
    [TestCase(403, false)]
    public void IsTransient_ServiceError_RetriesOnlyServerSideAndThrottling(int status, bool expected)
    {
        var error = new AmazonS3Exception("test") { StatusCode = (System.Net.HttpStatusCode)status };

        S3StorageProvider.IsTransient(error).Should().Be(expected);
    }

    [Test]
    public void IsTransient_DroppedConnection_IsTransient()
        => S3StorageProvider.IsTransient(new AmazonS3Exception("wrapped", new HttpRequestException("connection refused"))).Should().BeTrue();

    [Test]
    public void PartSize_Default_IsEightMebibytes()
        => new S3StorageOptions().PartSize.Should().Be(8 * 1024 * 1024).And.Be(S3StorageOptions.DefaultPartSize);

    [TestCase(1, 8)]
    [TestCase(1000, 8)]
    [TestCase(1001, 16)]
    [TestCase(2000, 16)]
    [TestCase(2001, 32)]
    [TestCase(7001, 1024)]
    [TestCase(10_000, 1024)]
    public void PartSizeOf_DefaultPartSize_DoublesEveryThousandPartsUpToOneGibibyte(int partNumber, int expectedMiB)
        => S3StorageProvider.PartSizeOf(S3StorageOptions.DefaultPartSize, partNumber).Should().Be(expectedMiB * 1024 * 1024);

    [TestCase(5)]
    [TestCase(8)]
    [TestCase(16)]
    public void PartSizeOf_TenThousandParts_HoldMoreThanThreeTebibytes(int partSizeMiB)
    {
        long total = 0;
        for (var part = 1; part <= S3StorageProvider.MaxPartCount; part++)
        {
            total += S3StorageProvider.PartSizeOf(partSizeMiB * 1024 * 1024, part);
        }

        total.Should().BeGreaterThan(3L * 1024 * 1024 * 1024 * 1024);
    }

    [Test]
    public void PartSizeOf_PartSizeAboveTheGrowthCap_NeverShrinks()
        => S3StorageProvider.PartSizeOf(2047 * 1024 * 1024, 9_999).Should().Be(2047 * 1024 * 1024);
}
