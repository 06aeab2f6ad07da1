using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Inknowing.DbResilience.Encryption;

/// <summary>
/// A write-only stream that encrypts what is written to it with AES-256-GCM in chunks and writes the framed result to
/// another stream. Call <see cref="CompleteAsync"/> at the end: only then is the final chunk written, so output cut
/// short by a failure is detected as truncated when decrypted.
/// </summary>
/// <remarks>
/// Every chunk has its own random 96-bit nonce; its index and a final-chunk flag are authenticated with it, so
/// reordered, dropped, truncated or appended chunks fail decryption. Memory use is about two chunks.
/// </remarks>
public sealed class AesGcmEncryptingStream : Stream
{
    /// <summary>The default number of plaintext bytes per chunk: 1 MiB.</summary>
    public const int DefaultChunkSize = 1024 * 1024;

    private readonly Stream _destination;
    private readonly AesGcm _aes;
    private readonly int _chunkSize;
    private readonly bool _leaveOpen;
    private readonly byte[] _header;
    private readonly byte[] _headerHash;
    private readonly byte[] _plain;
    private readonly byte[] _frame;
    private int _filled;
    private long _index;
    private bool _headerWritten;
    private bool _completed;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="AesGcmEncryptingStream"/> class.</summary>
    /// <param name="destination">Receives the header and the encrypted chunks.</param>
    /// <param name="key">The key; its id is written in the header.</param>
    /// <param name="chunkSize">The plaintext bytes per chunk, between 1 KiB and 16 MiB. The default value is 1 MiB.</param>
    /// <param name="leaveOpen">Whether <paramref name="destination"/> stays open when this stream is disposed.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is out of range.</exception>
    public AesGcmEncryptingStream(Stream destination, BackupEncryptionKey key, int chunkSize = DefaultChunkSize, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, AesGcmChunkFormat.MinChunkSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, AesGcmChunkFormat.MaxChunkSize);
        _destination = destination;
        _aes = new AesGcm(key.Key, AesGcmChunkFormat.TagSize);
        _chunkSize = chunkSize;
        _leaveOpen = leaveOpen;
        _header = AesGcmChunkFormat.BuildHeader(chunkSize, key.KeyId);
        _headerHash = SHA256.HashData(_header);
        _plain = new byte[chunkSize];
        _frame = new byte[AesGcmChunkFormat.FrameHeaderSize + chunkSize + AesGcmChunkFormat.TagSize];
    }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => !_disposed && !_completed;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotWritable();
        while (!buffer.IsEmpty)
        {
            if (_filled == _chunkSize)
            {
                var frame = SealChunk(AesGcmChunkFormat.MoreFlag);
                WriteHeaderIfNeeded();
                _destination.Write(_frame, 0, frame);
            }

            var take = Math.Min(buffer.Length, _chunkSize - _filled);
            buffer[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        while (!buffer.IsEmpty)
        {
            if (_filled == _chunkSize)
            {
                var frame = SealChunk(AesGcmChunkFormat.MoreFlag);
                await WriteHeaderIfNeededAsync(cancellationToken).ConfigureAwait(false);
                await _destination.WriteAsync(_frame.AsMemory(0, frame), cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(buffer.Length, _chunkSize - _filled);
            buffer.Span[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Encrypts what is buffered as the final chunk, writes it and flushes the destination. Call it once, at the end.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the final chunk is written.</returns>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        var frame = SealChunk(AesGcmChunkFormat.FinalFlag);
        await WriteHeaderIfNeededAsync(cancellationToken).ConfigureAwait(false);
        await _destination.WriteAsync(_frame.AsMemory(0, frame), cancellationToken).ConfigureAwait(false);
        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <inheritdoc />
    public override void Flush()
    {
        // Chunks are written when full; a partial chunk is never flushed early, or the framing would change.
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen)
            {
                _destination.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private int SealChunk(byte flag)
    {
        var length = _filled;
        _frame[0] = flag;
        BinaryPrimitives.WriteInt32BigEndian(_frame.AsSpan(1), length);
        var nonce = _frame.AsSpan(5, AesGcmChunkFormat.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> associated = stackalloc byte[AesGcmChunkFormat.AssociatedDataSize];
        AesGcmChunkFormat.WriteAssociatedData(associated, _headerHash, _index, flag);
        var cipher = _frame.AsSpan(AesGcmChunkFormat.FrameHeaderSize, length);
        var tag = _frame.AsSpan(AesGcmChunkFormat.FrameHeaderSize + length, AesGcmChunkFormat.TagSize);
        _aes.Encrypt(nonce, _plain.AsSpan(0, length), cipher, tag, associated);
        _index++;
        _filled = 0;
        return AesGcmChunkFormat.FrameHeaderSize + length + AesGcmChunkFormat.TagSize;
    }

    private void WriteHeaderIfNeeded()
    {
        if (!_headerWritten)
        {
            _destination.Write(_header);
            _headerWritten = true;
        }
    }

    private async ValueTask WriteHeaderIfNeededAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            await _destination.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
            _headerWritten = true;
        }
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The encrypted stream was already completed; nothing more can be written.");
        }
    }
}
