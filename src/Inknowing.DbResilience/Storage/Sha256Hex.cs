using System.Security.Cryptography;

namespace Inknowing.DbResilience.Storage;

/// <summary>Formats and checks the lowercase hex SHA-256 strings stored beside objects.</summary>
internal static class Sha256Hex
{
    public static string Finish(IncrementalHash hash) => Format(hash.GetHashAndReset());

    public static string Format(byte[] digest)
    {
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(digest);
#else
        return string.Create(digest.Length * 2, digest, static (chars, bytes) =>
        {
            const string Digits = "0123456789abcdef";
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
            }
        });
#endif
    }

    public static bool IsValid(string? value)
        => value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
