using System.Text;

namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Decodes a migration script the one way every source does: strict UTF-8 (a byte order mark is allowed), refusing a script in
/// another encoding rather than running it with its characters replaced, and refusing an empty one (or one of blanks only)
/// rather than recording it as applied.
/// </summary>
internal static class MigrationScriptText
{
    // Strict: an invalid byte throws instead of becoming U+FFFD, which would store different text than the author wrote.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a script; returns its text, or <see langword="null"/> and the error that names <paramref name="name"/> and the fix.</summary>
    /// <param name="stream">The script's bytes.</param>
    /// <param name="name">The file or resource named in the error.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    public static async Task<(string? Sql, string? Error)> ReadAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        string sql;
        try
        {
            using var reader = new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
            sql = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DecoderFallbackException ex)
        {
            var at = ex.Index >= 0 && ex.BytesUnknown is { Length: > 0 } bytes ? $" (byte 0x{bytes[0]:X2} near character {ex.Index})" : string.Empty;
            return (null, $"'{name}' is not UTF-8 text{at}: save it as UTF-8, for example with iconv -f LATIN1 -t UTF-8, before it is applied.");
        }

        if (string.IsNullOrWhiteSpace(sql))
        {
            // Most often a save that went wrong; applying it would record the version as done with nothing done.
            return (null, $"'{name}' is empty: write its SQL (only a comment, such as '-- nothing to do', if it is empty on purpose), or delete it.");
        }

        return (sql, null);
    }
}
