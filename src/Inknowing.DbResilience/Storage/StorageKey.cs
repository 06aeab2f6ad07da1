using System.Text;

namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Validates the relative keys and prefixes that every <see cref="IStorageProvider"/> accepts, so that a key means the same
/// object in every storage and can never escape a provider's root directory or prefix.
/// </summary>
/// <remarks>
/// A key is made of segments separated by <c>/</c>: no leading or trailing <c>/</c>, no empty, <c>.</c> or <c>..</c> segment,
/// no backslash, no control character, no lone surrogate, no drive letter, at most 1024 UTF-8 bytes in all and 255 per segment,
/// and no segment starting with <see cref="ReservedSegmentPrefix"/> (the file-system provider's temporary and checksum files).
/// </remarks>
public static class StorageKey
{
    /// <summary>The start of a segment name reserved for the providers' own files; no key may use it.</summary>
    public const string ReservedSegmentPrefix = ".dbr-";

    /// <summary>The maximum length of a key in UTF-8 bytes (the S3 limit).</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>The maximum length of one segment in UTF-8 bytes (the usual file-system limit).</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>Checks that a key is a valid relative key.</summary>
    /// <param name="key">The key, for example <c>backups/20261121T020000Z-daily-3f9a/data.dump</c>.</param>
    /// <param name="parameterName">The name of the caller's parameter, for the exception.</param>
    /// <returns>The same key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not valid; the message says why and how to fix it.</exception>
    public static string Validate(string key, string parameterName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, parameterName);
        var problem = FindProblem(key, allowTrailingSlash: false, allowEmpty: false);
        return problem is null ? key : throw new ArgumentException($"The storage key '{Printable(key)}' is not valid: {problem}.", parameterName);
    }

    /// <summary>Checks that a listing prefix is valid: empty, or a key that may end with <c>/</c> or with part of a segment.</summary>
    /// <param name="prefix">The prefix, for example <c>backups/</c> or <c>wal/00000001/0000000100</c>.</param>
    /// <param name="parameterName">The name of the caller's parameter, for the exception.</param>
    /// <returns>The same prefix.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="prefix"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not valid; the message says why.</exception>
    public static string ValidatePrefix(string prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        var problem = FindProblem(prefix, allowTrailingSlash: true, allowEmpty: true);
        return problem is null ? prefix : throw new ArgumentException($"The storage prefix '{Printable(prefix)}' is not valid: {problem}.", parameterName);
    }

    /// <summary>Tells whether a key is valid, without throwing.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when <see cref="Validate"/> would accept it.</returns>
    public static bool IsValid(string? key) => key is not null && FindProblem(key, allowTrailingSlash: false, allowEmpty: false) is null;

    /// <summary>Joins a validated prefix (a directory-like prefix, with or without its trailing <c>/</c>) and a key.</summary>
    /// <param name="prefix">The prefix; empty for none.</param>
    /// <param name="key">The relative key.</param>
    /// <returns>The joined key, validated.</returns>
    /// <exception cref="ArgumentException">The prefix or the key is not valid.</exception>
    public static string Combine(string prefix, string key)
    {
        ValidatePrefix(prefix);
        Validate(key);
        return Validate(prefix.Length == 0 ? key : prefix.TrimEnd('/') + "/" + key);
    }

    private static string? FindProblem(string key, bool allowTrailingSlash, bool allowEmpty)
    {
        if (key.Length == 0)
        {
            return allowEmpty ? null : "it is empty";
        }

        if (key[0] == '/')
        {
            return "it starts with '/'; keys are relative, as in backups/ID/data.dump";
        }

        if (key.Length >= 2 && char.IsAsciiLetter(key[0]) && key[1] == ':')
        {
            return "it starts with a drive letter; keys are relative";
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '\\')
            {
                return "it contains a backslash; separate segments with '/'";
            }

            if (char.IsControl(c))
            {
                return $"it contains the control character U+{(int)c:X4}";
            }

            if (char.IsHighSurrogate(c) && (i + 1 >= key.Length || !char.IsLowSurrogate(key[i + 1])))
            {
                return "it contains an invalid UTF-16 character";
            }

            if (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(key[i - 1])))
            {
                return "it contains an invalid UTF-16 character";
            }
        }

        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            return $"it is longer than {MaxKeyBytes} UTF-8 bytes";
        }

        var body = allowTrailingSlash && key.EndsWith('/') ? key[..^1] : key;
        if (body.Length == 0 || body.EndsWith('/'))
        {
            return body.Length == 0 ? "it is only '/'" : "it ends with '/'";
        }

        foreach (var segment in body.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it contains an empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return $"it contains the segment '{segment}'; keys cannot leave their root";
            }

            if (segment.StartsWith(ReservedSegmentPrefix, StringComparison.Ordinal))
            {
                return $"segments starting with '{ReservedSegmentPrefix}' are reserved for the providers' own files";
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return $"a segment is longer than {MaxSegmentBytes} UTF-8 bytes";
            }
        }

        return null;
    }

    private static string Printable(string key)
    {
        var builder = new StringBuilder(Math.Min(key.Length, 200));
        foreach (var c in key.Length > 200 ? key[..200] : key)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return key.Length > 200 ? builder.Append('…').ToString() : builder.ToString();
    }
}
