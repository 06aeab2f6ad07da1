using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// A file storage that reports a full disk where the test cannot mount a small file system (inside a container): once
/// <see cref="Remaining"/> bytes have been written, a write fails with the <see cref="IOException"/> the operating system
/// raises (HResult ENOSPC, "No space left on device") and stores nothing under its key, as a temporary file that could not
/// be completed never becomes the object.
/// </summary>
internal sealed class NoSpaceStorageProvider(FileSystemStorageProvider inner) : IStorageProvider
{
    private const int Enospc = 28;

    /// <summary>Gets or sets the bytes that still fit; <see cref="long.MaxValue"/> once space is freed.</summary>
    public long Remaining { get; set; } = long.MaxValue;

    public string Name => inner.Name;

    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        // The bytes pass through to the file storage, which removes its temporary file when the write fails.
        await using var budgeted = new BudgetedStream(this, key, content);
        return await inner.WriteAsync(key, budgeted, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    private sealed class BudgetedStream(NoSpaceStorageProvider owner, string key, Stream content) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await content.ReadAsync(buffer, cancellationToken);
            if (read > owner.Remaining)
            {
                owner.Remaining = 0;
                throw new IOException($"No space left on device : '{key}'", Enospc);
            }

            owner.Remaining -= owner.Remaining == long.MaxValue ? 0 : read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
