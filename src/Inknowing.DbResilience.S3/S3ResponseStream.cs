using System.Buffers;
using Amazon.S3.Model;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.S3;

/// <summary>
/// The body of a GetObject response; disposing it disposes the response. A read that receives nothing for the request timeout
/// fails with a transient <see cref="StorageException"/>: the SDK's timeout ends when the headers arrive, so without this a
/// connection that stalls in the middle of the body would hang a download (and the verify or restore reading it) for ever.
/// </summary>
internal sealed class S3ResponseStream(GetObjectResponse response, TimeSpan idleTimeout, string storageName, string key) : Stream
{
    private readonly Stream _inner = response.ResponseStream;
    private readonly CancellationTokenSource _idle = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => response.ContentLength;

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // A synchronous read cannot be cancelled: it goes through the asynchronous one, which can.
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _idle.Token) : null;
        _idle.CancelAfter(idleTimeout);
        try
        {
            return await _inner.ReadAsync(buffer, linked?.Token ?? _idle.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (_idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            throw new StorageException(storageName, key,
                $"the download received nothing for {idleTimeout} (S3StorageOptions.RequestTimeout) and was abandoned; read it again.",
                new TimeoutException($"No byte received for {idleTimeout}.", ex), isTransient: true);
        }
        finally
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            response.Dispose();
            _idle.Dispose();
        }

        base.Dispose(disposing);
    }
}
