using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inknowing.DbResilience.Encryption;

/// <summary>
/// The framing shared by <see cref="AesGcmEncryptingStream"/> and <see cref="AesGcmDecryptingStream"/> (see docs/backups.md):
/// a header, then chunks of <c>flag(1) length(4, big-endian) nonce(12) ciphertext(length) tag(16)</c>, each authenticated
/// with the SHA-256 of the header, its index and its final flag as associated data.
/// </summary>
internal static class AesGcmChunkFormat
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int FrameHeaderSize = 1 + 4 + NonceSize;
    public const int StreamIdSize = 16;
    public const int AssociatedDataSize = 32 + 8 + 1;
    public const int MinChunkSize = 1024;
    public const int MaxChunkSize = 16 * 1024 * 1024;
    public const byte FinalFlag = 1;
    public const byte MoreFlag = 0;

    public static ReadOnlySpan<byte> Magic => "DBRAEAD1"u8;

    public static byte[] BuildHeader(int chunkSize, string keyId)
    {
        var keyIdBytes = Encoding.ASCII.GetBytes(keyId);
        var header = new byte[Magic.Length + 4 + 1 + keyIdBytes.Length + StreamIdSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(Magic.Length), chunkSize);
        header[Magic.Length + 4] = checked((byte)keyIdBytes.Length);
        keyIdBytes.CopyTo(header, Magic.Length + 5);
        RandomNumberGenerator.Fill(header.AsSpan(Magic.Length + 5 + keyIdBytes.Length));
        return header;
    }

    public static void WriteAssociatedData(Span<byte> destination, ReadOnlySpan<byte> headerHash, long index, byte flag)
    {
        headerHash.CopyTo(destination);
        BinaryPrimitives.WriteInt64BigEndian(destination[32..], index);
        destination[40] = flag;
    }
}
