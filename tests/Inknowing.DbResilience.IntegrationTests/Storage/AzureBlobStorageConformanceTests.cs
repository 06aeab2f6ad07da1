using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Inknowing.DbResilience.Azure;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>The conformance suite against azurite (the Azure Blob emulator), plus checks particular to Blob storage.</summary>
public sealed class AzureBlobStorageConformanceTests : StorageProviderConformanceTests
{
    private const string Prefix = "db1";

    private string Container { get; } = "conformance-" + Guid.NewGuid().ToString("N")[..8];

    private static AzuriteServer Server => TestServers.Azurite;

    internal static AzureBlobStorageOptions Options(Uri serviceUri, string container, int blockSize = PartSize, int pageSize = PageSize, int maxRetries = 4) => new()
    {
        ContainerName = container,
        Prefix = Prefix,
        ServiceUri = serviceUri,
        AccountName = AzuriteServer.AccountName,
        AccountKey = AzuriteServer.AccountKey,
        BlockSize = blockSize,
        ListPageSize = pageSize,
        MaxRetryAttempts = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(100),
    };

    internal static BlobServiceClient RawClient(AzuriteServer server) => new(server.ConnectionString);

    /// <summary>Asserts that no blob is committed under <paramref name="blobName"/>; staged, uncommitted blocks may remain (the service discards them).</summary>
    internal static async Task AssertNothingCommittedAsync(BlobContainerClient container, string blobName)
    {
        var blob = container.GetBlockBlobClient(blobName);
        (await blob.ExistsAsync()).Value.Should().BeFalse($"nothing may be committed under {blobName}");
        try
        {
            var list = (await blob.GetBlockListAsync(BlockListTypes.All)).Value;
            list.CommittedBlocks.Should().BeEmpty($"no block list may be committed under {blobName}");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No block at all under the name, committed or not.
        }
    }

    protected override Task<IStorageProvider> CreateStorageAsync(int partSize, int listPageSize)
        => Task.FromResult<IStorageProvider>(new AzureBlobStorageProvider(Options(Server.BlobEndpoint, Container, partSize, listPageSize)));

    protected override async Task DestroyStorageAsync() => await RawClient(Server).GetBlobContainerClient(Container).DeleteIfExistsAsync();

    protected override Task AssertNoPendingUploadsAsync()
        => AssertNothingCommittedAsync(((AzureBlobStorageProvider)Storage).Container, Prefix + "/cancel/k");

    [Test]
    public async Task WriteAsync_MissingContainer_CreatesItPrivate()
    {
        await Storage.WriteAsync("private/k", new PatternStream(10));

        var container = RawClient(Server).GetBlobContainerClient(Container);
        (await container.GetPropertiesAsync()).Value.PublicAccess.GetValueOrDefault().Should().Be(PublicAccessType.None);
        (await container.GetAccessPolicyAsync()).Value.BlobPublicAccess.Should().Be(PublicAccessType.None);
        using var anonymous = new HttpClient();
        using var response = await anonymous.GetAsync(new Uri($"{Server.BlobEndpoint}/{Container}/{Prefix}/private/k"));
        response.IsSuccessStatusCode.Should().BeFalse("a blob in a private container cannot be read without credentials");
    }

    [TestCase(PublicAccessType.Blob)]
    [TestCase(PublicAccessType.BlobContainer)]
    public async Task WriteAsync_PublicContainer_IsRefusedNamingTheFixAndWritesNothing(PublicAccessType access)
    {
        var name = "public-" + Guid.NewGuid().ToString("N")[..8];
        var container = RawClient(Server).GetBlobContainerClient(name);
        await container.CreateAsync(access);
        var storage = new AzureBlobStorageProvider(Options(Server.BlobEndpoint, name));

        var write = () => storage.WriteAsync("k", new PatternStream(10));

        var error = (await write.Should().ThrowAsync<StorageException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain(name).And.Contain("public").And.Contain("--public-access off").And.NotContain(AzuriteServer.AccountKey);
        await FluentActions.Awaiting(() => storage.ListAsync(string.Empty).ToListAsync().AsTask()).Should().ThrowAsync<StorageException>();
        (await container.GetBlobsAsync().ToListAsync()).Should().BeEmpty();
        await container.DeleteAsync();
    }

    [Test]
    public async Task WriteAsync_SourceFailsAfterStagedBlocks_CommitsNothingAndKeepsTheOldObject()
    {
        await Storage.WriteAsync("failed/old", new PatternStream(100, seed: 3));
        var source = new PatternStream(4L * PartSize) { FailAt = (2L * PartSize) + 100 };
        var fresh = new PatternStream(4L * PartSize) { FailAt = (2L * PartSize) + 100 };

        var replace = () => Storage.WriteAsync("failed/old", source);
        var write = () => Storage.WriteAsync("failed/new", fresh);

        (await replace.Should().ThrowAsync<StorageException>()).Which.Message.Should().Contain("failed/old");
        (await write.Should().ThrowAsync<StorageException>()).Which.Message.Should().Contain("failed/new");
        (await ReadSha256Async(Storage, "failed/old")).Should().Be(PatternStream.Sha256Of(100, seed: 3));
        (await Storage.GetInfoAsync("failed/old"))!.Sha256.Should().Be(PatternStream.Sha256Of(100, seed: 3));
        (await Storage.GetInfoAsync("failed/new")).Should().BeNull();
        var container = ((AzureBlobStorageProvider)Storage).Container;
        await AssertNothingCommittedAsync(container, Prefix + "/failed/new");
        var staged = (await container.GetBlockBlobClient(Prefix + "/failed/new").GetBlockListAsync(BlockListTypes.Uncommitted)).Value;
        staged.UncommittedBlocks.Should().NotBeEmpty("blocks were staged before the source failed, and only a commit makes them a blob");
    }

    [Test]
    public async Task WriteAsync_LargeObject_StoresTheChecksumInTheBlobMetadata()
    {
        var size = (2L * PartSize) + 5;

        await Storage.WriteAsync("metadata/k", new PatternStream(size));

        var blob = RawClient(Server).GetBlobContainerClient(Container).GetBlockBlobClient(Prefix + "/metadata/k");
        (await blob.GetPropertiesAsync()).Value.Metadata[AzureBlobStorageProvider.Sha256MetadataName].Should().Be(PatternStream.Sha256Of(size));
        (await blob.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.Should().HaveCount(3);
    }

    [Test]
    public async Task ListAsync_BlobsOutsideThePrefix_AreNotListed()
    {
        await Storage.WriteAsync("outside/own", new PatternStream(1));
        await RawClient(Server).GetBlobContainerClient(Container).UploadBlobAsync("other-db/list/x", BinaryData.FromString("x"));

        var listed = await Storage.ListAsync(string.Empty).ToListAsync();

        listed.Should().NotContain(i => i.Key.Contains("other-db", StringComparison.Ordinal));
        listed.Should().Contain(i => i.Key == "outside/own");
    }
}
