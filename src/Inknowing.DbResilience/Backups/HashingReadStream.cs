using System.Security.Cryptography;

namespace Inknowing.DbResilience.Backups;

/// <summary>A read-only pass-through stream that computes the SHA-256 and size of what flows through it and reports progress.</summary>
internal sealed class HashingReadStream(Stream inner, Action<long>? progress = null, bool leaveOpen = true, Action<HashingReadStream>? atEnd = null) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _sha256;
    private bool _ended;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Gets the SHA-256 of everything read, as lowercase hex; call after the end was reached.</summary>
    public string GetSha256() => _sha256 ??= Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (read > 0 || !buffer.IsEmpty)
        {
            Account(buffer[..read]);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0 || !buffer.IsEmpty)
        {
            Account(buffer.Span[..read]);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

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
