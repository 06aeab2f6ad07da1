using System.Security.Cryptography;

namespace Inknowing.DbResilience.Tests.Storage;

/// <summary>
/// A non-seekable source of deterministic bytes (like a pg_dump pipe): at most 64 KiB per read, an optional failure or
/// callback at a given position. Shared by the unit and integration storage tests.
/// </summary>
public sealed class PatternStream(long length, int seed = 7) : Stream
{
    private long _position;
    private bool _triggered;

    /// <summary>Gets or sets the position at which reads start throwing an <see cref="IOException"/>; -1 for never.</summary>
    public long FailAt { get; set; } = -1;

    /// <summary>Gets or sets the position at which <see cref="OnReached"/> runs once; -1 for never.</summary>
    public long TriggerAt { get; set; } = -1;

    /// <summary>Gets or sets the callback run when <see cref="TriggerAt"/> is reached.</summary>
    public Action? OnReached { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Computes the SHA-256 (lowercase hex) of the bytes such a stream yields.</summary>
    public static string Sha256Of(long length, int seed = 7)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        long done = 0;
        while (done < length)
        {
            var count = (int)Math.Min(buffer.Length, length - done);
            Fill(buffer.AsSpan(0, count), done, seed);
            hash.AppendData(buffer, 0, count);
            done += count;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Gets the bytes such a stream yields.</summary>
    public static byte[] BytesOf(int length, int seed = 7)
    {
        var bytes = new byte[length];
        Fill(bytes, 0, seed);
        return bytes;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TriggerAt >= 0 && !_triggered && _position >= TriggerAt)
        {
            _triggered = true;
            OnReached?.Invoke();
        }

        if (FailAt >= 0 && _position >= FailAt)
        {
            throw new IOException("The test source failed on purpose at byte " + _position + ".");
        }

        var limit = Math.Min(buffer.Length, 64 * 1024);
        if (FailAt >= 0)
        {
            limit = (int)Math.Min(limit, Math.Max(1, FailAt - _position));
        }

        if (TriggerAt >= 0 && !_triggered && TriggerAt > _position)
        {
            limit = (int)Math.Min(limit, TriggerAt - _position);
        }

        var count = (int)Math.Min(limit, length - _position);
        if (count <= 0)
        {
            return 0;
        }

        Fill(buffer[..count], _position, seed);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static void Fill(Span<byte> span, long start, int seed)
    {
        for (var i = 0; i < span.Length; i++)
        {
            var p = start + i;
            span[i] = (byte)((p * 131) ^ (p >> 9) ^ seed);
        }
    }
}
