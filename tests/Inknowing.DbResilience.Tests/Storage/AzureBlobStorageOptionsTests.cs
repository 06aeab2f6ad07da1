using Inknowing.DbResilience.Azure;
using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.DependencyInjection;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class AzureBlobStorageOptionsTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Test]
    public void Validate_EverythingWrong_ListsEveryProblemNamingThePropertyWithoutSecrets()
    {
        var options = new AzureBlobStorageOptions
        {
            ContainerName = "Bad_Name",
            Prefix = "../up",
            ServiceUri = new Uri("ftp://example.org"),
            ConnectionString = "not a connection string SECRET-1",
            AccountKey = "not base64 SECRET-2",
            BlockSize = 1024,
            ListPageSize = 0,
        };

        var problems = options.Validate();

        problems.Should().Contain(p => p.StartsWith("ContainerName", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("Prefix", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("ServiceUri", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("More than one credential", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("ConnectionString", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("AccountKey is set without AccountName", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("AccountKey is not base64", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("BlockSize", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("ListPageSize", StringComparison.Ordinal));
        string.Concat(problems).Should().NotContain("SECRET");
    }

    [Test]
    public void Validate_NoCredential_NamesTheOptionsAndTheEnvironmentVariables()
    {
        var problems = new AzureBlobStorageOptions { ContainerName = "backups" }.Validate();

        problems.Should().ContainSingle().Which.Should().Contain("ConnectionString").And.Contain("AZURE_STORAGE_CONNECTION_STRING");
    }

    [Test]
    public void Constructor_AccountKey_NameShowsTheEndpointAndNeverTheKey()
    {
        var storage = new AzureBlobStorageProvider(new AzureBlobStorageOptions { ContainerName = "backups", Prefix = "prod/app", AccountName = "acme", AccountKey = Key });

        storage.Name.Should().Be("azblob://backups/prod/app at https://acme.blob.core.windows.net/");
        storage.Name.Should().NotContain(Key);
    }

    [Test]
    public void DisplayName_SharedAccessSignatureConnectionString_ShowsTheEndpointWithoutTheToken()
    {
        const string Signature = "c2lnLXNlY3JldC0xMjM0NTY3ODkw";
        var options = new AzureBlobStorageOptions
        {
            ContainerName = "backups",
            ConnectionString = $"BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig={Signature}",
        };

        var name = AzureBlobStorageProvider.DisplayName(options);

        name.Should().Be("azblob://backups at https://acme.blob.core.windows.net/");
        name.Should().NotContain(Signature).And.NotContain("sig=");
    }

    [Test]
    public void Build_InvalidAzureOptions_ReportsTheCallWithoutTheSecret()
    {
        var builder = new DbResilienceBuilder().UseAzureBlobStorage(o => o.ConnectionString = "AccountKey=SECRET-3;garbage");

        var build = () => builder.Build();

        var error = build.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Message.Should().Contain("UseAzureBlobStorage").And.Contain("ContainerName").And.NotContain("SECRET-3");
    }

    [TestCase(1, 8)]
    [TestCase(10_000, 8)]
    [TestCase(10_001, 16)]
    [TestCase(49_999, 128)]
    public void BlockSizeOf_Number_DoublesEveryTenThousandBlocks(int block, int expectedMiB)
    {
        AzureBlobStorageProvider.BlockSizeOf(8 * 1024 * 1024, block).Should().Be(expectedMiB * 1024 * 1024);
    }

    [Test]
    public void BlockSizeOf_FiftyThousandBlocksOfEightMiB_HoldMoreThanTwoTiB()
    {
        var total = Enumerable.Range(1, AzureBlobStorageProvider.MaxBlockCount).Sum(n => (long)AzureBlobStorageProvider.BlockSizeOf(8 * 1024 * 1024, n));

        total.Should().BeGreaterThan(2L * 1024 * 1024 * 1024 * 1024);
    }
}
