using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Storage;
using Inknowing.DbResilience.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.Tests.Backups;

public sealed class BackupWriterTests
{
    [Test]
    public async Task CreateAsync_EveryCopyFailsWhileTheTargetStillWrites_StopsTheTargetAndFailsWithTheStoragesError()
    {
        var storage = new FullStorage("file:///full/store");
        var store = new BackupStore(new StorageSet([storage]), new BackupOptions(), catalog: null, NullLogger.Instance);
        var target = new EndlessTarget();
        var writer = new BackupWriter(store, target, TimeProvider.System, NullLogger.Instance);

        var create = () => writer.CreateAsync(null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var error = (await create.Should().ThrowAsync<BackupException>()).Which;
        error.Message.Should().Contain("file:///full/store").And.Contain("no space left");
        error.IsTransient.Should().BeFalse("a full disk is not fixed by retrying at once");
        target.Stopped.Should().BeTrue("the producer's next write failed, so it ended instead of writing forever");
    }

    /// <summary>A storage that reads a little of the content, then fails as a full disk does.</summary>
    private sealed class FullStorage(string name) : TestStorageBase(name)
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            var buffer = new byte[64 * 1024];
            await content.ReadExactlyAsync(buffer, cancellationToken);
            throw new StorageException(Name, key, "no space left on the device; free space there.", new IOException("No space left on device", 28));
        }
    }

    /// <summary>A target whose producer writes until a write fails, as pg_dump does on a database larger than the disk.</summary>
    private sealed class EndlessTarget : IBackupTarget
    {
        public bool Stopped { get; private set; }

        public string Name => "endless";

        public async Task<BackupTargetResult> BackupAsync(BackupTargetRequest request, IBackupFileSink sink, CancellationToken cancellationToken = default)
        {
            await StreamPump.PumpAsync(
                async reader =>
                {
                    await sink.WriteFileAsync("data.dump", BackupFileRole.Data, reader, cancellationToken);
                    return true;
                },
                async writer =>
                {
                    var chunk = new byte[16 * 1024];
                    try
                    {
                        while (true)
                        {
                            await writer.WriteAsync(chunk, cancellationToken);
                        }
                    }
                    finally
                    {
                        Stopped = true;
                    }
                },
                cancellationToken);
            throw new InvalidOperationException("The endless producer ended without an error.");
        }

        public Task<string> CheckReadableAsync(BackupManifest manifest, BackupFile file, Stream content, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public Task<IReadOnlyList<BackupTableRowCount>> RestoreTestAsync(BackupManifest manifest, Stream content, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();
    }
}
