using System.Security.Cryptography;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// A read-only pass-through stream that computes the SHA-256 and size of what flows through it and reports progress: how
/// backups hash their bytes on the way to storage, and how restores check them on the way back.
/// </summary>
/// <param name="inner">The stream to read.</param>
/// <param name="progress">Receives the running byte count after each read, or <see langword="null"/>.</param>
/// <param name="leaveOpen">Whether disposing this stream leaves <paramref name="inner"/> open.</param>
/// <param name="atEnd">Called once when the end of <paramref name="inner"/> is reached, or <see langword="null"/>.</param>
public sealed class HashingReadStream(Stream inner, Action<long>? progress = null, bool leaveOpen = true, Action<HashingReadStream>? atEnd = null) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _sha256;
    private bool _ended;

    /// <summary>Gets the number of bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Gets the SHA-256 of everything read, as lowercase hex; call after the end was reached.</summary>
    /// <returns>The hash.</returns>
    public string GetSha256() => _sha256 ??= Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (read > 0 || !buffer.IsEmpty)
        {
            Account(buffer[..read]);
        }

        return read;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0 || !buffer.IsEmpty)
        {
            Account(buffer.Span[..read]);
        }

        return read;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            if (!_ended)
            {
                _ended = true;
                atEnd?.Invoke(this);
            }

            return;
        }

        _hash.AppendData(data);
        BytesRead += data.Length;
        progress?.Invoke(BytesRead);
    }
}
