namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// Splits PostgreSQL scripts into statements: respects single-quoted and E'' strings, quoted identifiers, dollar quotes,
/// line comments, nested block comments and <c>BEGIN ATOMIC ... END</c> function bodies; spots the statements that
/// cannot run inside a transaction block.
/// </summary>
internal static class SqlScriptParser
{
    /// <summary>The directive that makes a script run statement by statement outside a transaction.</summary>
    public const string NoTransactionDirective = "-- dbresilience:no-transaction";

    private const int WordsKept = 48;

    public static SqlScript Parse(string sql)
    {
        var statements = new List<SqlStatement>();
        var directive = false;
        var words = new List<string>();
        var start = -1;
        var last = string.Empty;
        var atomicDepth = 0;
        var caseDepth = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '-' && Next(sql, i) == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                if (sql.AsSpan(i, end - i).Trim().Equals(NoTransactionDirective, StringComparison.OrdinalIgnoreCase))
                {
                    directive = true;
                }

                i = end;
                continue;
            }

            if (c == '/' && Next(sql, i) == '*')
            {
                i = SkipBlockComment(sql, i);
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (start < 0)
            {
                start = i;
            }

            if (c == ';' && atomicDepth == 0)
            {
                Add(statements, sql, start, i, words);
                start = -1;
                caseDepth = 0;
                last = string.Empty;
                i++;
                continue;
            }

            if (c == '\'')
            {
                var escapes = i > 0 && (sql[i - 1] is 'E' or 'e') && (i < 2 || !IsWordChar(sql[i - 2]));
                i = SkipQuoted(sql, i, '\'', escapes);
            }
            else if (c == '"')
            {
                i = SkipQuoted(sql, i, '"', backslashEscapes: false);
            }
            else if (c == '$' && (i == 0 || !IsWordChar(sql[i - 1])) && TryDollarTag(sql, i, out var tag))
            {
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + tag.Length;
            }
            else if (IsWordStart(c))
            {
                var end = i;
                while (end < sql.Length && IsWordChar(sql[end]))
                {
                    end++;
                }

                var word = sql[i..end].ToUpperInvariant();
                if (atomicDepth > 0)
                {
                    if (word == "CASE")
                    {
                        caseDepth++;
                    }
                    else if (word == "END")
                    {
                        if (caseDepth > 0)
                        {
                            caseDepth--;
                        }
                        else
                        {
                            atomicDepth--;
                        }
                    }
                }
                else if (word == "ATOMIC" && last == "BEGIN")
                {
                    atomicDepth++;
                }

                if (words.Count < WordsKept)
                {
                    words.Add(word);
                }

                last = word;

                i = end;
            }
            else
            {
                i++;
            }
        }

        if (start >= 0)
        {
            Add(statements, sql, start, sql.Length, words);
        }

        return new SqlScript(statements, directive);
    }

    /// <summary>Returns the 1-based line of a character offset.</summary>
    public static int LineAt(string sql, int offset)
    {
        var line = 1;
        var end = Math.Min(offset, sql.Length);
        for (var i = 0; i < end; i++)
        {
            if (sql[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    /// <summary>Returns whether a statement, given by its leading upper-case words, cannot run inside a transaction block.</summary>
    public static bool IsNonTransactional(IReadOnlyList<string> w)
    {
        string At(int index) => index < w.Count ? w[index] : string.Empty;
        bool Has(string word) => w.Contains(word);
        return At(0) switch
        {
            "CREATE" => (At(1) == "INDEX" && At(2) == "CONCURRENTLY")
                || (At(1) == "UNIQUE" && At(2) == "INDEX" && At(3) == "CONCURRENTLY")
                || At(1) is "DATABASE" or "TABLESPACE" or "SUBSCRIPTION",
            "DROP" => (At(1) == "INDEX" && At(2) == "CONCURRENTLY") || At(1) is "DATABASE" or "TABLESPACE" or "SUBSCRIPTION",
            "REINDEX" => Has("CONCURRENTLY") || At(1) is "SYSTEM" or "DATABASE",
            "VACUUM" => true,
            "ALTER" => At(1) == "SYSTEM"
                || (At(1) == "TABLE" && Has("DETACH") && Has("PARTITION") && Has("CONCURRENTLY"))
                || (At(1) == "DATABASE" && Has("SET") && Has("TABLESPACE")),
            _ => false,
        };
    }

    /// <summary>
    /// Returns whether a statement, given by its leading upper-case words, may report a row count: every statement except
    /// plain DDL. CREATE TABLE ... AS and CREATE MATERIALIZED VIEW ... AS report "SELECT n", so any AS or SELECT among the
    /// words kept (or more words than kept) counts as reporting rows.
    /// </summary>
    public static bool ReportsRows(IReadOnlyList<string> w)
        => w.Count == 0 || w.Count >= WordsKept
            || w[0] is not ("CREATE" or "ALTER" or "DROP" or "COMMENT" or "GRANT" or "REVOKE")
            || w.Contains("AS") || w.Contains("SELECT");

    private static void Add(List<SqlStatement> statements, string sql, int start, int end, List<string> words)
    {
        if (words.Count > 0 || end > start)
        {
            statements.Add(new SqlStatement(sql[start..end], start, LineAt(sql, start), IsNonTransactional(words), ReportsRows(words)));
        }

        words.Clear();
    }

    private static char Next(string sql, int i) => i + 1 < sql.Length ? sql[i + 1] : '\0';

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';

    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && Next(sql, i) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && Next(sql, i) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
            }
            else if (c == quote)
            {
                if (Next(sql, i) == quote)
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static bool TryDollarTag(string sql, int i, out string tag)
    {
        tag = string.Empty;
        var end = i + 1;
        while (end < sql.Length && sql[end] != '$')
        {
            var c = sql[end];
            if (!(char.IsLetter(c) || c == '_' || (end > i + 1 && char.IsDigit(c))))
            {
                return false;
            }

            end++;
        }

        if (end >= sql.Length)
        {
            return false;
        }

        tag = sql[i..(end + 1)];
        return true;
    }
}
