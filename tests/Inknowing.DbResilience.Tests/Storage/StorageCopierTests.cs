using System.Runtime.CompilerServices;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class StorageCopierTests
{
    [Test]
    public async Task CopyAsync_AbsentKeys_AreFoundFromTheListingNotAskedForOneByOne()
    {
        using var directory = new TemporaryDirectory();
        var source = new FileSystemStorageProvider(directory.Sub("source"));
        await source.WriteAsync("backups/a/data.dump", new PatternStream(1000));
        await source.WriteAsync("backups/b/data.dump", new PatternStream(2000));
        await source.WriteAsync("backups/c/data.dump", new PatternStream(3000));
        var destination = new CountingStorage(new FileSystemStorageProvider(directory.Sub("destination")), listingHasChecksums: false);
        await destination.WriteAsync("backups/b/data.dump", new PatternStream(2000));

        var items = await new StorageCopier().CopyAsync(source, destination, "backups/");

        items.Select(i => (i.Key, i.Outcome)).Should().Equal(
            ("backups/a/data.dump", StorageCopyOutcome.Copied), ("backups/b/data.dump", StorageCopyOutcome.Skipped), ("backups/c/data.dump", StorageCopyOutcome.Copied));
        destination.InfoRequests.Should().Equal(
            ["backups/a/data.dump", "backups/b/data.dump", "backups/c/data.dump"],
            "the copied keys are asked for once each, after the write, to check what was stored; the present key once, for its checksum, which this listing leaves out; no absent key is asked for before its copy");
    }

    [Test]
    public async Task CopyAsync_ListingWithChecksums_SkipsPresentKeysWithoutAsking()
    {
        using var directory = new TemporaryDirectory();
        var source = new CountingStorage(new FileSystemStorageProvider(directory.Sub("source")), listingHasChecksums: true);
        await source.WriteAsync("x/1", new PatternStream(10));
        await source.WriteAsync("x/2", new PatternStream(20));
        var destination = new CountingStorage(new FileSystemStorageProvider(directory.Sub("destination")), listingHasChecksums: true);
        await new StorageCopier().CopyAsync(source, destination, "x/");
        destination.InfoRequests.Clear();

        var again = await new StorageCopier().CopyAsync(source, destination, "x/");

        again.Should().OnlyContain(i => i.Outcome == StorageCopyOutcome.Skipped);
        destination.InfoRequests.Should().BeEmpty();
        source.InfoRequests.Should().BeEmpty("the source's listing already carries each checksum");
    }

    [Test]
    public async Task CopyAsync_PresentKeyWithOtherBytes_IsCopiedAgain()
    {
        using var directory = new TemporaryDirectory();
        var source = new FileSystemStorageProvider(directory.Sub("source"));
        await source.WriteAsync("x/1", new PatternStream(10));
        var destination = new FileSystemStorageProvider(directory.Sub("destination"));
        await destination.WriteAsync("x/1", new MemoryStream(new byte[10]));

        var items = await new StorageCopier().CopyAsync(source, destination, "x/");

        items.Should().ContainSingle().Which.Outcome.Should().Be(StorageCopyOutcome.Copied);
        (await destination.GetInfoAsync("x/1"))!.Sha256.Should().Be(PatternStream.Sha256Of(10));
    }

    /// <summary>A storage that records the keys asked for with GetInfoAsync, and can list without checksums like S3.</summary>
    private sealed class CountingStorage(IStorageProvider inner, bool listingHasChecksums) : IStorageProvider
    {
        public List<string> InfoRequests { get; } = [];

        public string Name => "counting " + inner.Name;

        public Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
            => inner.WriteAsync(key, content, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);

        public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var info in inner.ListAsync(prefix, cancellationToken))
            {
                yield return listingHasChecksums ? info : info with { Sha256 = null };
            }
        }

        public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
        {
            InfoRequests.Add(key);
            return inner.GetInfoAsync(key, cancellationToken);
        }

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
