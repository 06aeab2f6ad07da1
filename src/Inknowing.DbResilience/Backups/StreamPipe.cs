using System.Buffers;
using System.Threading.Channels;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// A bounded in-memory pipe between a producer that writes (pg_dump's output after compression and encryption) and a
/// consumer that reads (the storage fan-out): at most <c>capacity</c> chunks wait, so memory stays bounded whatever the size.
/// </summary>
internal sealed class StreamPipe
{
    private readonly Channel<ArraySegment<byte>> _channel;
    private readonly int _chunkSize;
    private volatile bool _readerClosed;

    public StreamPipe(int chunkSize = 256 * 1024, int capacity = 8)
    {
        _chunkSize = chunkSize;
        _channel = Channel.CreateBounded<ArraySegment<byte>>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Writer = new WriterStream(this);
        Reader = new ReaderStream(this);
    }

    public WriterStream Writer { get; }

    /// <summary>
    /// Runs a producer that writes into a new pipe and a consumer that reads from it, at the same time. A failing producer
    /// makes the consumer's next read throw (so nothing incomplete is stored as complete); a consumer that stops reading
    /// makes the producer's next write throw (so a child process is never left blocked on a full pipe).
    /// </summary>
    public static async Task<T> PumpAsync<T>(Func<Stream, Task<T>> consume, Func<Stream, Task> produce, CancellationToken cancellationToken)
    {
        var pipe = new StreamPipe();
        var consumer = consume(pipe.Reader);
        _ = consumer.ContinueWith(_ => pipe.CloseReader(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await produce(pipe.Writer).ConfigureAwait(false);
            await pipe.Writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            pipe.Writer.Fail(ex);
            Exception? consumerError = null;
            try
            {
                await consumer.ConfigureAwait(false);
            }
            catch (Exception error)
            {
                consumerError = error;
            }

            // Cancellation wins, whichever side noticed it first; then the consumer's own error when it stopped reading.
            cancellationToken.ThrowIfCancellationRequested();
            if (pipe._readerClosed && consumerError is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(consumerError);
            }

            throw;
        }

        return await consumer.ConfigureAwait(false);
    }

    public ReaderStream Reader { get; }

    /// <summary>Tells the writer that nobody reads any more: its next write fails instead of waiting forever.</summary>
    public void CloseReader()
    {
        _readerClosed = true;
        _channel.Writer.TryComplete(new IOException("The storage stopped reading the backup stream."));
        while (_channel.Reader.TryRead(out var segment))
        {
            ArrayPool<byte>.Shared.Return(segment.Array!);
        }
    }

    internal sealed class WriterStream(StreamPipe pipe) : Stream
    {
        private byte[]? _buffer;
        private int _filled;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
            => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                ThrowIfReaderClosed();
                _buffer ??= ArrayPool<byte>.Shared.Rent(pipe._chunkSize);
                var take = Math.Min(buffer.Length, pipe._chunkSize - _filled);
                buffer[..take].CopyTo(_buffer.AsMemory(_filled));
                _filled += take;
                buffer = buffer[take..];
                if (_filled == pipe._chunkSize)
                {
                    await PushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>Sends what is buffered and ends the stream: the reader sees its end.</summary>
        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_filled > 0)
            {
                await PushAsync(cancellationToken).ConfigureAwait(false);
            }

            ThrowIfReaderClosed();
            pipe._channel.Writer.TryComplete();
        }

        /// <summary>Ends the stream with an error: the reader's next read throws it, so nothing incomplete looks complete.</summary>
        public void Fail(Exception error)
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            pipe._channel.Writer.TryComplete(error);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async Task PushAsync(CancellationToken cancellationToken)
        {
            var segment = new ArraySegment<byte>(_buffer!, 0, _filled);
            _buffer = null;
            _filled = 0;
            try
            {
                await pipe._channel.Writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                ArrayPool<byte>.Shared.Return(segment.Array!);
                ThrowIfReaderClosed();
                throw;
            }
        }

        private void ThrowIfReaderClosed()
        {
            if (pipe._readerClosed)
            {
                throw new IOException("The storage stopped reading the backup stream.");
            }
        }
    }

    internal sealed class ReaderStream(StreamPipe pipe) : Stream
    {
        private ArraySegment<byte> _current;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
            => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            while (_current.Array is null || _offset == _current.Count)
            {
                if (_current.Array is not null)
                {
                    ArrayPool<byte>.Shared.Return(_current.Array);
                    _current = default;
                }

                if (!await pipe._channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                if (pipe._channel.Reader.TryRead(out var next))
                {
                    _current = next;
                    _offset = 0;
                }
            }

            var take = Math.Min(buffer.Length, _current.Count - _offset);
            _current.AsMemory(_offset, take).CopyTo(buffer);
            _offset += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _current.Array is not null)
            {
                ArrayPool<byte>.Shared.Return(_current.Array);
                _current = default;
            }

            base.Dispose(disposing);
        }
    }
}
