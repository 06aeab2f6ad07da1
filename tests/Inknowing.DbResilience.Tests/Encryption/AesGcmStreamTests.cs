using System.Buffers.Binary;
using System.Security.Cryptography;
using Inknowing.DbResilience.Encryption;

namespace Inknowing.DbResilience.Tests.Encryption;

public sealed class AesGcmStreamTests
{
    private const int ChunkSize = 1024;

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(ChunkSize - 1)]
    [TestCase(ChunkSize)]
    [TestCase(ChunkSize + 1)]
    [TestCase(5 * ChunkSize)]
    [TestCase(100_003)]
    public async Task Decrypt_RightKey_ReturnsPlaintext(int size)
    {
        var key = BackupEncryptionKey.Generate();
        var plain = RandomNumberGenerator.GetBytes(size);

        var cipher = await EncryptAsync(plain, key);
        var result = await DecryptAsync(cipher, key);

        result.Should().Equal(plain);
        if (size >= 64)
        {
            cipher.AsSpan().IndexOf(plain.AsSpan(0, 64)).Should().Be(-1, "the ciphertext does not contain the plaintext");
        }
    }

    [Test]
    public async Task Decrypt_WrongKey_ThrowsNamingTheKeyIdNeeded()
    {
        var key = BackupEncryptionKey.Generate();
        var other = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3000), key);

        var act = () => DecryptAsync(cipher, other);

        var error = (await act.Should().ThrowAsync<BackupEncryptionException>()).Which;
        error.Message.Should().Contain(key.KeyId).And.Contain(other.KeyId).And.Contain("DBRESILIENCE_BACKUP_KEY").And.NotContain(key.ToBase64());
    }

    [Test]
    public async Task Decrypt_NoKey_ThrowsSayingNoKeyIsConfigured()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(10), key);

        var act = () => DecryptAsync(cipher);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("no key is configured").And.Contain(key.KeyId);
    }

    [Test]
    public async Task Decrypt_FlippedCiphertextBit_ThrowsAuthenticationFailure()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * ChunkSize), key);
        cipher[cipher.Length / 2] ^= 0x01;

        var act = () => DecryptAsync(cipher, key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("failed authentication");
    }

    [Test]
    public async Task Decrypt_TruncatedAtChunkBoundary_ThrowsTruncated()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * ChunkSize + 10), key);
        var (header, frames) = Split(cipher);
        var truncated = header.Concat(frames[0]).Concat(frames[1]).ToArray();

        var act = () => DecryptAsync(truncated, key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("truncated");
    }

    [Test]
    public async Task Decrypt_TruncatedInsideChunk_ThrowsTruncated()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * ChunkSize), key);

        var act = () => DecryptAsync(cipher[..^7], key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("truncated");
    }

    [Test]
    public async Task Decrypt_ReorderedChunks_ThrowsAuthenticationFailure()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * ChunkSize + 10), key);
        var (header, frames) = Split(cipher);
        var reordered = header.Concat(frames[1]).Concat(frames[0]).Concat(frames[2]).Concat(frames[3]).ToArray();

        var act = () => DecryptAsync(reordered, key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("chunk 0");
    }

    [Test]
    public async Task Decrypt_FinalFlagSetOnEarlierChunk_ThrowsInsteadOfReturningAPrefix()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * ChunkSize + 10), key);
        var (header, frames) = Split(cipher);
        frames[0][0] = 1;
        var forged = header.Concat(frames[0]).ToArray();

        var act = () => DecryptAsync(forged, key);

        await act.Should().ThrowAsync<BackupEncryptionException>();
    }

    [Test]
    public async Task Decrypt_BytesAppendedAfterFinalChunk_Throws()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(100), key);

        var act = () => DecryptAsync([.. cipher, 0x42], key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("after its final chunk");
    }

    [Test]
    public async Task Encrypt_NotCompleted_OutputIsDetectedAsTruncated()
    {
        var key = BackupEncryptionKey.Generate();
        using var output = new MemoryStream();
        await using (var encrypting = new AesGcmEncryptingStream(output, key, ChunkSize, leaveOpen: true))
        {
            await encrypting.WriteAsync(RandomNumberGenerator.GetBytes(5 * ChunkSize));
        }

        var act = () => DecryptAsync(output.ToArray(), key);

        (await act.Should().ThrowAsync<BackupEncryptionException>()).Which.Message.Should().Contain("truncated");
    }

    [Test]
    public async Task ReadKeyId_EncryptedHeader_ReturnsTheKeyId()
    {
        var key = BackupEncryptionKey.Generate();
        var cipher = await EncryptAsync([1, 2, 3], key);

        AesGcmDecryptingStream.ReadKeyId(cipher).Should().Be(key.KeyId);
        AesGcmDecryptingStream.ReadKeyId("plain text"u8).Should().BeNull();
    }

    [Test]
    public void FromBase64_SameKey_SameKeyId()
    {
        var key = BackupEncryptionKey.Generate();

        BackupEncryptionKey.FromBase64(key.ToBase64()).KeyId.Should().Be(key.KeyId);
        key.KeyId.Should().MatchRegex("^[0-9a-f]{16}$");
        key.ToString().Should().NotContain(key.ToBase64());
    }

    [TestCase("")]
    [TestCase("not base64!")]
    [TestCase("AAAA")]
    public void FromBase64_NotA256BitKey_ThrowsWithoutEchoingTheText(string text)
    {
        var act = () => BackupEncryptionKey.FromBase64(text);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("32").And.Contain("openssl rand -base64 32");
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, BackupEncryptionKey key)
    {
        using var output = new MemoryStream();
        await using (var encrypting = new AesGcmEncryptingStream(output, key, ChunkSize, leaveOpen: true))
        {
            // Odd write sizes exercise the chunk boundaries.
            for (var offset = 0; offset < plain.Length; offset += 333)
            {
                await encrypting.WriteAsync(plain.AsMemory(offset, Math.Min(333, plain.Length - offset)));
            }

            await encrypting.CompleteAsync();
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] cipher, params BackupEncryptionKey[] keys)
    {
        await using var decrypting = new AesGcmDecryptingStream(new MemoryStream(cipher), keys, "test stream");
        using var output = new MemoryStream();
        await decrypting.CopyToAsync(output, 700);
        return output.ToArray();
    }

    private static (byte[] Header, List<byte[]> Frames) Split(byte[] cipher)
    {
        var keyIdLength = cipher[12];
        var headerLength = 8 + 4 + 1 + keyIdLength + 16;
        var frames = new List<byte[]>();
        var offset = headerLength;
        while (offset < cipher.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(cipher.AsSpan(offset + 1));
            var frameLength = 1 + 4 + 12 + length + 16;
            frames.Add(cipher[offset..(offset + frameLength)]);
            offset += frameLength;
        }

        return (cipher[..headerLength], frames);
    }
}
