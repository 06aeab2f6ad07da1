using System.Text;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// Turns what <c>pg_restore --create</c> prints for a database's own entries (CREATE DATABASE, owner, comment, privileges,
/// settings) into statements for another database: CREATE DATABASE and psql's meta-commands are dropped, and the database
/// name that starts each statement is replaced by the target's.
/// </summary>
internal static partial class DatabaseProperties
{
    private static readonly string[] StatementStarts = ["ALTER DATABASE ", "COMMENT ON DATABASE ", "GRANT ", "REVOKE ", "ALTER ROLE ", "SECURITY LABEL "];

    /// <summary>Returns the statements to run on the target, or an empty string when the archive has none.</summary>
    /// <param name="script">pg_restore's output.</param>
    /// <param name="targetDatabase">The target database, unquoted.</param>
    /// <param name="keepRoleSettings">Whether <c>ALTER ROLE ... IN DATABASE</c> settings are kept (they need the roles).</param>
    public static string ForTarget(string script, string targetDatabase, bool keepRoleSettings)
    {
        var lines = script.Split('\n');
        var created = lines.Select(l => CreateDatabase().Match(l)).FirstOrDefault(m => m.Success);
        if (created is null)
        {
            return string.Empty;
        }

        var source = created.Groups["name"].Value;
        var target = TableName.QuoteIdentifier(targetDatabase);
        var statements = new StringBuilder();
        var any = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("CREATE DATABASE ", StringComparison.Ordinal) || MetaCommand().IsMatch(line))
            {
                continue;
            }

            if (!StatementStarts.Any(s => line.StartsWith(s, StringComparison.Ordinal)))
            {
                statements.Append(line).Append('\n');
                continue;
            }

            if (!keepRoleSettings && line.StartsWith("ALTER ROLE ", StringComparison.Ordinal))
            {
                continue;
            }

            var at = line.IndexOf("DATABASE " + source, StringComparison.Ordinal);
            var end = at + "DATABASE ".Length + source.Length;
            if (at < 0 || (end < line.Length && line[end] is not (' ' or ';')))
            {
                statements.Append(line).Append('\n');
                continue;
            }

            statements.Append(line, 0, at + "DATABASE ".Length).Append(target).Append(line, end, line.Length - end).Append('\n');
            any = true;
        }

        return any ? statements.ToString() : string.Empty;
    }

    // pg_dump writes the name as an identifier: bare, or double-quoted with inner quotes doubled.
    [GeneratedRegex("^CREATE DATABASE (?<name>\"(?:[^\"]|\"\")*\"|[^ \"]+) ", RegexOptions.CultureInvariant)]
    private static partial Regex CreateDatabase();

    [GeneratedRegex(@"^\\(connect|restrict|unrestrict)\b", RegexOptions.CultureInvariant)]
    private static partial Regex MetaCommand();
}
