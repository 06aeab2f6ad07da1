using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class StorageSetTests
{
    private TemporaryDirectory _directory = null!;
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TemporaryDirectory();
        _root = _directory.Path;
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task WriteAllAsync_ThreeStorages_StoresTheSameBytesInEachFromOneNonSeekableRead()
    {
        var storages = Enumerable.Range(0, 3).Select(i => new FileSystemStorageProvider(Path.Combine(_root, "s" + i))).ToArray();
        var set = new StorageSet(storages);
        const long Size = (5 * StorageSet.ChunkSize) + 123;

        var results = await set.WriteAllAsync("backups/b1/data.dump", new PatternStream(Size));

        results.Should().HaveCount(3).And.OnlyContain(r => r.Succeeded);
        results.Select(r => r.Storage).Should().Equal(storages);
        results.Should().OnlyContain(r => r.Result!.Sha256 == PatternStream.Sha256Of(Size, 7) && r.Result.Size == Size);
        foreach (var storage in storages)
        {
            (await storage.GetInfoAsync("backups/b1/data.dump"))!.Sha256.Should().Be(PatternStream.Sha256Of(Size, 7));
        }
    }

    [Test]
    public async Task WriteAllAsync_OneStorageFailsHalfway_TheOthersSucceedAndTheFailureIsReported()
    {
        var good = new FileSystemStorageProvider(Path.Combine(_root, "good"));
        var bad = new FailingStorage(failAfterBytes: 2 * StorageSet.ChunkSize);
        var other = new FileSystemStorageProvider(Path.Combine(_root, "other"));
        var set = new StorageSet([good, bad, other]);
        const long Size = 20L * StorageSet.ChunkSize;

        var results = await set.WriteAllAsync("k", new PatternStream(Size));

        results[0].Succeeded.Should().BeTrue();
        results[1].Succeeded.Should().BeFalse();
        results[1].Error.Should().BeOfType<StorageException>().Which.Message.Should().Contain("broken disk");
        results[2].Succeeded.Should().BeTrue();
        (await other.GetInfoAsync("k"))!.Size.Should().Be(Size);
    }

    [Test]
    public async Task WriteAllAsync_SlowStorage_SourceIsReadOnlyAFewChunksAhead()
    {
        var gate = new SemaphoreSlim(0);
        var slow = new GatedStorage(gate);
        var fast = new FileSystemStorageProvider(Path.Combine(_root, "fast"));
        var set = new StorageSet([fast, slow]);
        var source = new PatternStream(100L * StorageSet.ChunkSize);

        var write = set.WriteAllAsync("k", source);
        await Task.Delay(500);
        var readWhileBlocked = source.Position;
        gate.Release(int.MaxValue / 2);
        var results = await write;

        readWhileBlocked.Should().BeLessThanOrEqualTo((StorageSet.QueueDepth + 3) * (long)StorageSet.ChunkSize);
        results.Should().OnlyContain(r => r.Succeeded);
        results[1].Result!.Size.Should().Be(100L * StorageSet.ChunkSize);
    }

    [Test]
    public async Task WriteAllAsync_CancelledHalfway_ThrowsAndLeavesNothingInAnyStorage()
    {
        var storages = Enumerable.Range(0, 2).Select(i => new FileSystemStorageProvider(Path.Combine(_root, "s" + i))).ToArray();
        var set = new StorageSet(storages);
        using var cancellation = new CancellationTokenSource();
        var source = new PatternStream(50L * StorageSet.ChunkSize) { TriggerAt = 10L * StorageSet.ChunkSize, OnReached = cancellation.Cancel };

        var write = () => set.WriteAllAsync("dir/k", source, cancellation.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task WriteAllAsync_SourceFails_ThrowsTheSourceErrorAndLeavesNothing(int count)
    {
        var storages = Enumerable.Range(0, count).Select(i => new FileSystemStorageProvider(Path.Combine(_root, "s" + i))).ToArray();
        var set = new StorageSet(storages);

        var write = () => set.WriteAllAsync("k", new PatternStream(10L * StorageSet.ChunkSize) { FailAt = 3L * StorageSet.ChunkSize });

        (await write.Should().ThrowAsync<IOException>()).Which.Message.Should().Contain("on purpose");
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Test]
    public async Task WriteAllAsync_StorageReportsSuccessWithoutReadingEverything_IsReportedAsFailed()
    {
        var set = new StorageSet([new FileSystemStorageProvider(Path.Combine(_root, "s")), new LazyStorage()]);

        var results = await set.WriteAllAsync("k", new PatternStream(3L * StorageSet.ChunkSize));

        results[0].Succeeded.Should().BeTrue();
        results[1].Succeeded.Should().BeFalse();
        results[1].Error!.Message.Should().Contain("bytes stored but the source had");
    }

    [Test]
    public void Constructor_SameStorageTwice_ThrowsNamingIt()
    {
        var path = Path.Combine(_root, "s");

        var create = () => new StorageSet([new FileSystemStorageProvider(path), new FileSystemStorageProvider(path)]);

        create.Should().Throw<ArgumentException>().WithMessage("*configured twice*");
    }

    [Test]
    public async Task WriteAllAsync_BadKey_ThrowsBeforeReading()
    {
        var set = new StorageSet([new FileSystemStorageProvider(_root)]);
        var source = new PatternStream(10);

        var write = () => set.WriteAllAsync("../escape", source);

        await write.Should().ThrowAsync<ArgumentException>();
        source.Position.Should().Be(0);
    }

    /// <summary>A storage that reads some bytes and then fails like a broken disk.</summary>
    private sealed class FailingStorage(long failAfterBytes) : TestStorageBase("test://failing")
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            var buffer = new byte[65536];
            long total = 0;
            while (total < failAfterBytes)
            {
                total += await content.ReadAsync(buffer, cancellationToken);
            }

            throw new StorageException(Name, key, "broken disk");
        }
    }

    /// <summary>A storage that waits for a gate before each read.</summary>
    private sealed class GatedStorage(SemaphoreSlim gate) : TestStorageBase("test://gated")
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            var buffer = new byte[65536];
            long total = 0;
            while (true)
            {
                await gate.WaitAsync(cancellationToken);
                var read = await content.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return new StorageWriteResult { Key = key, Size = total, Sha256 = "unused" };
                }

                total += read;
            }
        }
    }

    /// <summary>A buggy storage that claims success after one read.</summary>
    private sealed class LazyStorage() : TestStorageBase("test://lazy")
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            var read = await content.ReadAsync(new byte[100], cancellationToken);
            return new StorageWriteResult { Key = key, Size = read, Sha256 = "unused" };
        }
    }
}
