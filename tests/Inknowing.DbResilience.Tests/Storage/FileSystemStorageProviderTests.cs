using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

/// <summary>What is particular to the file-system provider: files on disk, atomic commit, the checksum sidecar. The shared behaviour is in the conformance suite.</summary>
public sealed class FileSystemStorageProviderTests
{
    private TemporaryDirectory _directory = null!;
    private string _root = null!;
    private FileSystemStorageProvider _storage = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TemporaryDirectory();
        _root = _directory.Path;
        _storage = new FileSystemStorageProvider(_root);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task WriteAsync_NestedKey_StoresTheFileAndItsChecksumBesideIt()
    {
        var result = await _storage.WriteAsync("backups/b1/data.dump", new PatternStream(3000));

        var path = Path.Combine(_root, "backups", "b1", "data.dump");
        (await File.ReadAllBytesAsync(path)).Should().Equal(PatternStream.BytesOf(3000));
        var sidecar = await File.ReadAllTextAsync(Path.Combine(_root, "backups", "b1", ".dbr-sha256.data.dump"));
        sidecar.Should().Be($"{result.Sha256} 3000\n");
        result.Sha256.Should().Be(PatternStream.Sha256Of(3000));
        _storage.Name.Should().Be(new Uri(_root + "/").AbsoluteUri.TrimEnd('/'));
    }

    [Test]
    public async Task WriteAsync_SourceFailsHalfway_LeavesTheOldObjectAndNoTemporaryFile()
    {
        await _storage.WriteAsync("k", new PatternStream(100, seed: 1));

        var write = () => _storage.WriteAsync("k", new PatternStream(10_000_000) { FailAt = 5_000_000 });

        (await write.Should().ThrowAsync<IOException>()).Which.Message.Should().Contain("on purpose");
        (await File.ReadAllBytesAsync(Path.Combine(_root, "k"))).Should().Equal(PatternStream.BytesOf(100, seed: 1));
        Directory.GetFiles(_root).Select(Path.GetFileName).Should().BeEquivalentTo("k", ".dbr-sha256.k");
    }

    [Test]
    public async Task WriteAsync_LargerThanTheWriteBehindStep_StoresEveryByte()
    {
        // 150 MB: two background flushes (every 64 MiB) while the rest is still being written, then the final one.
        const long size = 150_000_000;

        var result = await _storage.WriteAsync("big/k", new PatternStream(size));

        result.Sha256.Should().Be(PatternStream.Sha256Of(size));
        new FileInfo(Path.Combine(_root, "big", "k")).Length.Should().Be(size);
        await using var verified = await _storage.OpenReadVerifiedAsync("big/k");
        await verified.CopyToAsync(Stream.Null);
    }

    [Test]
    public async Task WriteAsync_SourceFailsAfterAWriteBehindFlush_LeavesNoTemporaryFile()
    {
        var write = () => _storage.WriteAsync("k", new PatternStream(100_000_000) { FailAt = 70_000_000 });

        (await write.Should().ThrowAsync<IOException>()).Which.Message.Should().Contain("on purpose");
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Test]
    public async Task WriteAsync_CancelledHalfway_LeavesNothing()
    {
        using var cancellation = new CancellationTokenSource();
        var source = new PatternStream(10_000_000) { TriggerAt = 4_000_000, OnReached = cancellation.Cancel };

        var write = () => _storage.WriteAsync("dir/k", source, cancellation.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().BeEmpty();
        (await _storage.GetInfoAsync("dir/k")).Should().BeNull();
    }

    [Test]
    public async Task GetInfoAsync_SidecarOfAnotherVersion_ReportsNoChecksum()
    {
        await _storage.WriteAsync("k", new PatternStream(100));
        await File.WriteAllBytesAsync(Path.Combine(_root, "k"), new byte[50]);

        var info = await _storage.GetInfoAsync("k");

        info!.Size.Should().Be(50);
        info.Sha256.Should().BeNull();
    }

    [Test]
    public async Task ListAsync_LeftoverTemporaryAndForeignFiles_AreHiddenOrListedWithoutChecksum()
    {
        await _storage.WriteAsync("a/x", new PatternStream(10));
        await File.WriteAllTextAsync(Path.Combine(_root, "a", ".dbr-tmp-0123"), "partial");
        await File.WriteAllTextAsync(Path.Combine(_root, "a", "copied-by-hand"), "hello");

        var listed = await _storage.ListAsync("a/").ToListAsync();

        listed.Select(i => i.Key).Should().Equal("a/copied-by-hand", "a/x");
        listed[0].Sha256.Should().BeNull();
        listed[1].Sha256.Should().Be(PatternStream.Sha256Of(10));
    }

    [Test]
    public async Task DeleteAsync_LastObjectOfADirectory_RemovesTheEmptyDirectories()
    {
        await _storage.WriteAsync("backups/b1/data.dump", new PatternStream(10));
        await _storage.WriteAsync("backups/b2/data.dump", new PatternStream(10));

        (await _storage.DeleteAsync("backups/b1/data.dump")).Should().BeTrue();

        Directory.Exists(Path.Combine(_root, "backups", "b1")).Should().BeFalse();
        Directory.Exists(Path.Combine(_root, "backups", "b2")).Should().BeTrue();
        (await _storage.DeleteAsync("backups/b1/data.dump")).Should().BeFalse();
    }

    [Test]
    public async Task WriteAsync_KeyUnderAnExistingFile_ThrowsStorageExceptionNamingStorageAndKey()
    {
        await _storage.WriteAsync("a", new PatternStream(1));

        var write = () => _storage.WriteAsync("a/b", new PatternStream(1));

        var error = (await write.Should().ThrowAsync<StorageException>()).Which;
        error.Message.Should().Contain(_storage.Name).And.Contain("'a/b'");
        error.Key.Should().Be("a/b");
    }

    [Test]
    public async Task OpenReadVerifiedAsync_FileChangedOnDisk_ThrowsIntegrityExceptionAtTheEnd()
    {
        await _storage.WriteAsync("k", new PatternStream(1000));
        var path = Path.Combine(_root, "k");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[500] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch);

        await using var stream = await _storage.OpenReadVerifiedAsync("k");
        var read = () => stream.CopyToAsync(Stream.Null);

        var error = (await read.Should().ThrowAsync<StorageIntegrityException>()).Which;
        error.ExpectedSha256.Should().Be(PatternStream.Sha256Of(1000));
        error.Message.Should().Contain("corrupt");
    }
}
