using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Storage;

/// <summary>
/// The behaviour every <see cref="IStorageProvider"/> must have, run against each real backend by a subclass:
/// round trips at the part boundaries and of 100 MB from a non-seekable source, paged listings, key validation,
/// cancellation that leaves nothing behind.
/// </summary>
public abstract class StorageProviderConformanceTests
{
    /// <summary>The part size the providers are created with (the S3 minimum), so that part boundaries are cheap to reach.</summary>
    protected const int PartSize = 5 * 1024 * 1024;

    /// <summary>The page size of listings, small so that paging is exercised.</summary>
    protected const int PageSize = 3;

    private IStorageProvider _storage = null!;

    protected IStorageProvider Storage => _storage;

    [OneTimeSetUp]
    public async Task CreateStorageAsync() => _storage = await CreateStorageAsync(PartSize, PageSize);

    [OneTimeTearDown]
    public async Task DisposeStorageAsync()
    {
        await DestroyStorageAsync();
        (_storage as IDisposable)?.Dispose();
    }

    [TestCase(0L)]
    [TestCase(1L)]
    [TestCase(PartSize)]
    [TestCase(PartSize + 1L)]
    [TestCase((2L * PartSize) + 1L)]
    [TestCase(100L * 1024 * 1024)]
    public async Task WriteAsync_NonSeekableSource_RoundTripsBytesAndChecksum(long size)
    {
        var key = $"roundtrip/{size}.bin";
        var expected = PatternStream.Sha256Of(size);

        var written = await Storage.WriteAsync(key, new PatternStream(size));

        written.Should().Be(new StorageWriteResult { Key = key, Size = size, Sha256 = expected });
        var info = await Storage.GetInfoAsync(key);
        info!.Size.Should().Be(size);
        info.Sha256.Should().Be(expected);
        (await ReadSha256Async(Storage, key)).Should().Be(expected);
        await using var verified = await Storage.OpenReadVerifiedAsync(key);
        await verified.CopyToAsync(Stream.Null);
    }

    [Test]
    public async Task WriteAsync_ExistingKey_ReplacesTheObject()
    {
        await Storage.WriteAsync("replace/k", new PatternStream(1000, seed: 1));

        await Storage.WriteAsync("replace/k", new PatternStream(10, seed: 2));

        (await ReadSha256Async(Storage, "replace/k")).Should().Be(PatternStream.Sha256Of(10, seed: 2));
        (await Storage.GetInfoAsync("replace/k"))!.Sha256.Should().Be(PatternStream.Sha256Of(10, seed: 2));
    }

    [Test]
    public async Task ListAsync_MoreObjectsThanAPage_ListsAllInKeyOrderUnderThePrefixOnly()
    {
        var keys = Enumerable.Range(0, 8).Select(i => $"list/{(char)('h' - i)}/{i}.bin").ToList();
        foreach (var key in keys)
        {
            await Storage.WriteAsync(key, new PatternStream(10 + keys.IndexOf(key)));
        }

        await Storage.WriteAsync("listing-outside/x", new PatternStream(1));

        var listed = await Storage.ListAsync("list/").ToListAsync();

        listed.Select(i => i.Key).Should().Equal(keys.OrderBy(k => k, StringComparer.Ordinal));
        listed.Should().OnlyContain(i => i.Size == 10 + keys.IndexOf(i.Key));
        (await Storage.ListAsync("list/c/").ToListAsync()).Select(i => i.Key).Should().Equal("list/c/5.bin");
        (await Storage.ListAsync("no-such-prefix/").ToListAsync()).Should().BeEmpty();
    }

    [TestCase("../escape")]
    [TestCase("/absolute")]
    [TestCase("a\\b")]
    [TestCase("a/\u0001")]
    [TestCase("a/../../b")]
    public async Task EveryOperation_InvalidKey_ThrowsArgumentExceptionAndTouchesNothing(string key)
    {
        var source = new PatternStream(10);

        await FluentActions.Awaiting(() => Storage.WriteAsync(key, source)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Storage.OpenReadAsync(key)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Storage.GetInfoAsync(key)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Storage.DeleteAsync(key)).Should().ThrowAsync<ArgumentException>();
        source.Position.Should().Be(0);
    }

    [Test]
    public async Task WriteAsync_CancelledHalfway_LeavesNoObjectAndNoUpload()
    {
        using var cancellation = new CancellationTokenSource();
        var source = new PatternStream(4L * PartSize) { TriggerAt = (2L * PartSize) + 100, OnReached = cancellation.Cancel };

        var write = () => Storage.WriteAsync("cancel/k", source, cancellation.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        (await Storage.GetInfoAsync("cancel/k")).Should().BeNull();
        (await Storage.ListAsync("cancel/").ToListAsync()).Should().BeEmpty();
        await AssertNoPendingUploadsAsync();
    }

    [Test]
    public async Task DeleteAsync_ExistingThenMissing_ReturnsTrueThenFalse()
    {
        await Storage.WriteAsync("delete/k", new PatternStream(10));

        (await Storage.DeleteAsync("delete/k")).Should().BeTrue();
        (await Storage.DeleteAsync("delete/k")).Should().BeFalse();
        (await Storage.GetInfoAsync("delete/k")).Should().BeNull();
    }

    [Test]
    public async Task OpenReadAsync_MissingKey_ThrowsNotFoundNamingStorageAndKey()
    {
        var open = () => Storage.OpenReadAsync("missing/k");

        var error = (await open.Should().ThrowAsync<StorageObjectNotFoundException>()).Which;
        error.Message.Should().Contain(Storage.Name).And.Contain("missing/k");
    }

    protected static async Task<string> ReadSha256Async(IStorageProvider storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        using var sha = SHA256.Create();
        return Convert.ToHexStringLower(await sha.ComputeHashAsync(stream));
    }

    /// <summary>Creates the storage under test, empty.</summary>
    protected abstract Task<IStorageProvider> CreateStorageAsync(int partSize, int listPageSize);

    /// <summary>Removes what the storage under test holds.</summary>
    protected abstract Task DestroyStorageAsync();

    /// <summary>Checks that no unfinished upload (temporary file, multipart upload) remains.</summary>
    protected abstract Task AssertNoPendingUploadsAsync();
}
