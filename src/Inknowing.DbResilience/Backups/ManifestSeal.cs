using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Makes a manifest tamper-evident by itself: its first property, <c>manifestSha256</c>, is the SHA-256 of the manifest
/// without that property (the exact bytes, not a re-serialisation). A flipped bit, a cut, an added byte or an edited field
/// no longer matches, whatever happened to the checksum kept beside the file. Every manifest (logical and base backups)
/// is sealed the same way.
/// </summary>
/// <remarks>
/// Layout: <c>{\n  "manifestSha256": "&lt;64 hex&gt;",</c> followed by the plain JSON without its opening brace. JSON readers that
/// do not know the property ignore it, so the manifest stays ordinary, human-readable JSON.
/// </remarks>
internal static class ManifestSeal
{
    private const string PropertyName = "manifestSha256";

    private static readonly byte[] Head = Encoding.ASCII.GetBytes("{\n  \"" + PropertyName + "\": \"");

    /// <summary>Seals plain manifest JSON (an object with at least one property).</summary>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a JSON object with properties.</exception>
    public static byte[] Seal(ReadOnlySpan<byte> json)
    {
        var start = json.IndexOfAnyExcept(" \t\r\n"u8);
        var first = start < 0 ? -1 : json[(start + 1)..].IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || json[start] != (byte)'{' || first < 0 || json[start + 1 + first] == (byte)'}')
        {
            throw new ArgumentException("A manifest is a JSON object with at least one property.", nameof(json));
        }

        var body = json[start..];
        var hex = Encoding.ASCII.GetBytes(Sha256Hex.Format(SHA256.HashData(body)));
        var sealedJson = new byte[Head.Length + hex.Length + 2 + body.Length - 1];
        Head.CopyTo(sealedJson, 0);
        hex.CopyTo(sealedJson, Head.Length);
        sealedJson[Head.Length + hex.Length] = (byte)'"';
        sealedJson[Head.Length + hex.Length + 1] = (byte)',';
        body[1..].CopyTo(sealedJson.AsSpan(Head.Length + hex.Length + 2));
        return sealedJson;
    }

    /// <summary>Checks a stored manifest's own checksum.</summary>
    /// <param name="bytes">The stored bytes.</param>
    /// <param name="isSealed">Set to whether the bytes carry a seal at all (an older manifest does not).</param>
    /// <returns>What is wrong; <see langword="null"/> when the seal matches or there is none.</returns>
    public static string? Check(ReadOnlySpan<byte> bytes, out bool isSealed)
    {
        isSealed = bytes.StartsWith(Head);
        if (!isSealed)
        {
            return bytes.IndexOf(Encoding.ASCII.GetBytes("\"" + PropertyName + "\"")) >= 0
                ? $"its own checksum ({PropertyName}) is not where it belongs, at the very start: the file was edited or damaged"
                : null;
        }

        var hexEnd = Head.Length + 64;
        if (bytes.Length < hexEnd + 3 || bytes[hexEnd] != (byte)'"' || bytes[hexEnd + 1] != (byte)',')
        {
            return $"its own checksum ({PropertyName}) is cut or malformed: the file was edited or damaged";
        }

        var recorded = Encoding.ASCII.GetString(bytes[Head.Length..hexEnd]);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("{"u8);
        hash.AppendData(bytes[(hexEnd + 2)..]);
        var actual = Sha256Hex.Finish(hash);
        return string.Equals(recorded, actual, StringComparison.Ordinal)
            ? null
            : $"its own checksum records SHA-256 {recorded} but its content hashes to {actual}: the file was edited or damaged ({bytes.Length} bytes)";
    }
}
