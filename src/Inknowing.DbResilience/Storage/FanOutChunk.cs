using System.Buffers;

namespace Inknowing.DbResilience.Storage;

/// <summary>One pooled buffer of the source, shared by every copy that still reads; returned to the pool by the last one.</summary>
internal sealed class FanOutChunk(byte[] buffer, int length, int readers)
{
    private int _readers = readers;

    public byte[] Buffer { get; } = buffer;

    public int Length { get; } = length;

    public void Release()
    {
        if (Interlocked.Decrement(ref _readers) == 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
