using System.Buffers;
using System.Threading.Channels;

namespace Inknowing.DbResilience.Storage;

/// <summary>The non-seekable stream one storage reads during a fan-out: the source's chunks, in order, from a bounded queue.</summary>
internal sealed class FanOutReaderStream(ChannelReader<FanOutChunk> reader, Func<Exception?> sourceFailure) : ReadOnlyStream
{
    private FanOutChunk? _current;
    private int _offset;

    public override int Read(Span<byte> buffer)
    {
        var array = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(array.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_current is null)
        {
            if (reader.TryRead(out var chunk))
            {
                _current = chunk;
                _offset = 0;
            }
            else if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return End();
            }
        }

        return CopyOut(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Release();
            _current = null;
            while (reader.TryRead(out var chunk))
            {
                chunk.Release();
            }
        }

        base.Dispose(disposing);
    }

    private int CopyOut(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _current!.Length - _offset);
        _current.Buffer.AsSpan(_offset, count).CopyTo(buffer);
        _offset += count;
        BytesRead += count;
        if (_offset == _current.Length)
        {
            _current.Release();
            _current = null;
        }

        return count;
    }

    private int End()
    {
        var failure = sourceFailure();
        return failure is null ? 0 : throw new IOException("The source stream failed while it was being stored: " + failure.Message, failure);
    }
}
