using System.Text;
using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>
/// Matches tables against pg_dump patterns (<c>--table</c>, <c>--schema</c>, <c>--exclude-table-data</c>) the way pg_dump
/// does for the common cases: <c>*</c> and <c>?</c> wildcards, unquoted names folded to lower case, double-quoted names
/// taken literally, an optional <c>schema.</c> part. Used to mark which tables' rows are in a backup.
/// </summary>
internal sealed class PgDumpPattern
{
    private readonly Regex? _schema;
    private readonly Regex _name;

    private PgDumpPattern(Regex? schema, Regex name)
    {
        _schema = schema;
        _name = name;
    }

    public static PgDumpPattern Parse(string pattern, bool schemaOnlyPattern = false)
    {
        var parts = SplitUnquoted(pattern);
        if (schemaOnlyPattern)
        {
            return new PgDumpPattern(null, ToRegex(parts[^1]));
        }

        return parts.Count >= 2
            ? new PgDumpPattern(ToRegex(parts[^2]), ToRegex(parts[^1]))
            : new PgDumpPattern(null, ToRegex(parts[0]));
    }

    /// <summary>Tells whether a table matches this table pattern.</summary>
    public bool MatchesTable(string schema, string name) => (_schema is null || _schema.IsMatch(schema)) && _name.IsMatch(name);

    /// <summary>Tells whether a schema matches this schema pattern.</summary>
    public bool MatchesSchema(string schema) => _name.IsMatch(schema);

    private static List<string> SplitUnquoted(string pattern)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in pattern)
        {
            if (c == '"')
            {
                quoted = !quoted;
                current.Append(c);
            }
            else if (c == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        return parts;
    }

    private static Regex ToRegex(string part)
    {
        var regex = new StringBuilder("^");
        var quoted = false;
        for (var i = 0; i < part.Length; i++)
        {
            var c = part[i];
            if (c == '"')
            {
                if (quoted && i + 1 < part.Length && part[i + 1] == '"')
                {
                    regex.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (!quoted && c == '*')
            {
                regex.Append(".*");
            }
            else if (!quoted && c == '?')
            {
                regex.Append('.');
            }
            else
            {
                regex.Append(Regex.Escape((quoted ? c : char.ToLowerInvariant(c)).ToString()));
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}
