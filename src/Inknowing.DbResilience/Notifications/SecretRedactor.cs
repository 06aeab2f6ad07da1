using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Notifications;

/// <summary>
/// Takes connection strings, connection URIs, passwords, tokens and keys out of text bound for a notification: error messages
/// come from tools and drivers the library does not control, and a notification leaves the machine.
/// </summary>
internal static partial class SecretRedactor
{
    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = ConnectionUri().Replace(text, "[connection URI removed]");
        text = KeyValuePairs().Replace(text, m => ConnectionStringKey().IsMatch(m.Value) ? "[connection string removed]" : m.Value);
        text = UserInfo().Replace(text, "://[credentials removed]@");
        text = SignatureParameter().Replace(text, m => m.Groups["name"].Value + "[removed]");
        return SecretSetting().Replace(text, m => m.Groups["name"].Value + "=[removed]");
    }

    [GeneratedRegex(@"\b(?:postgres|postgresql)://\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionUri();

    // Two or more key=value pairs separated by semicolons: an Npgsql or libpq-style connection string when a key is one of
    // theirs (checked by the evaluator, so that ordinary prose with an '=' is left alone).
    [GeneratedRegex(@"(?:[A-Za-z]+(?: [A-Za-z]+)?=[^;\r\n]*;[ ]*)+[A-Za-z]+(?: [A-Za-z]+)?=[^;\s]*;?", RegexOptions.CultureInvariant)]
    private static partial Regex KeyValuePairs();

    [GeneratedRegex(@"(?:^|;)\s*(?:host|server|username|user id|userid|password|database|port)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringKey();

    [GeneratedRegex(@"://[^/\s:@]+:[^/\s@]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    // A shared access signature in a URL or a connection string: the query parameter sig (and a whole SharedAccessSignature
    // setting, URL-encoded or not) is the credential.
    [GeneratedRegex(@"(?<name>[?&;]\s*(?:sig|SharedAccessSignature)\s*=)[^&;\s'""]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SignatureParameter();

    [GeneratedRegex(@"(?<name>\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key|AccountKey|PGPASSWORD|AWS_SECRET_ACCESS_KEY)\b)\s*[=:]\s*(?:""[^""]*""|'[^']*'|[^\s;,]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSetting();
}
