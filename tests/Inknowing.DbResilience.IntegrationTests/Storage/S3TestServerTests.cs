using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>Checks that both S3 test servers answer the AWS SDK on loopback; the provider's own suite comes with the storage issue.</summary>
public sealed class S3TestServerTests
{
    public static IEnumerable<string> ServerNames => new[] { "s3rver", "fauxqs" };

    [TestCaseSource(nameof(ServerNames))]
    public async Task PutThenGet_RoundTripsBytes(string serverName)
    {
        var server = serverName == "s3rver" ? TestServers.S3rver : TestServers.Fauxqs;
        var config = new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        };
        if (server.RequiresCompatibilityMode)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        using var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey), config);
        var bucket = "probe-" + Guid.NewGuid().ToString("N")[..8];
        await client.PutBucketAsync(bucket);
        var body = "hello from " + serverName;
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "dir/hello.txt",
            ContentBody = body,
            UseChunkEncoding = !server.RequiresCompatibilityMode,
        });

        using var response = await client.GetObjectAsync(bucket, "dir/hello.txt");
        using var reader = new StreamReader(response.ResponseStream);
        (await reader.ReadToEndAsync()).Should().Be(body);
    }
}
