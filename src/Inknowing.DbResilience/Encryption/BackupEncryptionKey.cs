using System.Security.Cryptography;
using System.Text;

namespace Inknowing.DbResilience.Encryption;

/// <summary>
/// A 256-bit key for AES-256-GCM backup encryption and its key id, a fingerprint that can be stored in manifests:
/// the first 8 bytes of SHA-256 over a fixed label and the key, as hex. The id reveals nothing usable about the key.
/// </summary>
public sealed class BackupEncryptionKey
{
    /// <summary>The size of a key in bytes.</summary>
    public const int KeySize = 32;

    private static readonly byte[] KeyIdLabel = Encoding.ASCII.GetBytes("inknowing-dbresilience key id v1");
    private readonly byte[] _key;

    private BackupEncryptionKey(byte[] key)
    {
        _key = key;
        var material = new byte[KeyIdLabel.Length + key.Length];
        KeyIdLabel.CopyTo(material, 0);
        key.CopyTo(material, KeyIdLabel.Length);
        KeyId = Convert.ToHexString(SHA256.HashData(material), 0, 8).ToLowerInvariant();
        CryptographicOperations.ZeroMemory(material);
    }

    /// <summary>Gets the key id: 16 lowercase hex characters derived from the key, safe to print and store.</summary>
    public string KeyId { get; }

    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>Creates a key from its 32 raw bytes.</summary>
    /// <param name="key">The key bytes; copied.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes long.</exception>
    public static BackupEncryptionKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"A backup encryption key must be {KeySize} bytes (256 bits); this one has {key.Length}.", nameof(key));
        }

        return new BackupEncryptionKey(key.ToArray());
    }

    /// <summary>Creates a key from base64 text, such as the output of <c>openssl rand -base64 32</c>.</summary>
    /// <param name="base64">The key as base64.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The text is not base64 of exactly 32 bytes; the message never contains the text.</exception>
    public static BackupEncryptionKey FromBase64(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        var buffer = new byte[((base64.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != KeySize)
        {
            throw new ArgumentException(
                $"A backup encryption key must be base64 of exactly {KeySize} random bytes (generate one with 'openssl rand -base64 32').",
                nameof(base64));
        }

        var key = FromBytes(buffer.AsSpan(0, written));
        CryptographicOperations.ZeroMemory(buffer);
        return key;
    }

    /// <summary>Creates a new random key, for tests and for generating a key to store in a secret manager.</summary>
    /// <returns>The new key.</returns>
    public static BackupEncryptionKey Generate() => new(RandomNumberGenerator.GetBytes(KeySize));

    /// <summary>Returns the key as base64, to store in a secret manager. Never log it.</summary>
    /// <returns>The key as base64.</returns>
    public string ToBase64() => Convert.ToBase64String(_key);

    /// <inheritdoc />
    public override string ToString() => "BackupEncryptionKey " + KeyId;
}
