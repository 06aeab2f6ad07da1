using System.Text;

namespace Inknowing.DbResilience.Restore;

/// <summary>
/// A schema-qualified table name of any spelling (mixed case, spaces, quotes, non-ASCII), kept unquoted and quoted only
/// when it is written into SQL.
/// </summary>
public readonly record struct TableName
{
    /// <summary>Initializes a new table name.</summary>
    /// <param name="schema">The schema, exactly as stored in the catalog (unquoted).</param>
    /// <param name="name">The table, exactly as stored in the catalog (unquoted).</param>
    /// <exception cref="ArgumentException">A part is empty.</exception>
    public TableName(string schema, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Schema = schema;
        Name = name;
    }

    /// <summary>The longest identifier PostgreSQL keeps as given, in bytes of UTF-8 (NAMEDATALEN - 1); a longer one is cut.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>Gets the schema, unquoted.</summary>
    public string Schema { get; }

    /// <summary>Gets the table, unquoted.</summary>
    public string Name { get; }

    /// <summary>Gets the name quoted for SQL: <c>"schema"."table"</c>.</summary>
    public string Quoted => QuoteIdentifier(Schema) + "." + QuoteIdentifier(Name);

    /// <summary>
    /// Parses <c>SCHEMA.TABLE</c> or <c>TABLE</c> (schema <c>public</c>). A part in double quotes keeps its spelling and may
    /// contain dots and doubled quotes (<c>"My ""Schema"""."Tä.ble"</c>); an unquoted part is folded to lower case as
    /// PostgreSQL does.
    /// </summary>
    /// <param name="value">The text to parse.</param>
    /// <returns>The table name.</returns>
    /// <exception cref="FormatException"><paramref name="value"/> is not a table name; the message says why.</exception>
    public static TableName Parse(string value) => Parse(value, "public");

    /// <summary>
    /// Parses <c>SCHEMA.TABLE</c> or <c>TABLE</c> as SQL spells identifiers, like <see cref="Parse(string)"/>, with
    /// <paramref name="defaultSchema"/> for a name without a schema: <c>"Mixed.Schema"."Order Lines Copy"</c> is table
    /// <c>Order Lines Copy</c> in schema <c>Mixed.Schema</c>.
    /// </summary>
    /// <param name="value">The text to parse.</param>
    /// <param name="defaultSchema">The schema of a one-part name, unquoted.</param>
    /// <returns>The table name.</returns>
    /// <exception cref="FormatException"><paramref name="value"/> is not a table name; the message says why.</exception>
    /// <exception cref="ArgumentException"><paramref name="defaultSchema"/> is empty.</exception>
    public static TableName Parse(string value, string defaultSchema)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(defaultSchema);
        var parts = new List<string>();
        var i = 0;
        while (true)
        {
            if (i >= value.Length)
            {
                throw Invalid(value, "a name part is empty");
            }

            var part = new StringBuilder();
            if (value[i] == '"')
            {
                i++;
                var closed = false;
                while (i < value.Length)
                {
                    if (value[i] == '"')
                    {
                        if (i + 1 < value.Length && value[i + 1] == '"')
                        {
                            part.Append('"');
                            i += 2;
                            continue;
                        }

                        closed = true;
                        i++;
                        break;
                    }

                    part.Append(value[i++]);
                }

                if (!closed)
                {
                    throw Invalid(value, "a double quote is not closed");
                }
            }
            else
            {
                while (i < value.Length && value[i] != '.')
                {
                    if (value[i] == '"')
                    {
                        throw Invalid(value, "a double quote appears inside an unquoted part");
                    }

                    part.Append(char.ToLowerInvariant(value[i++]));
                }
            }

            if (part.Length == 0)
            {
                throw Invalid(value, "a name part is empty");
            }

            // PostgreSQL cuts a longer identifier to 63 bytes, which would name another table.
            if (Encoding.UTF8.GetByteCount(part.ToString()) > MaxIdentifierBytes)
            {
                throw Invalid(value, $"the part '{part}' is {Encoding.UTF8.GetByteCount(part.ToString())} bytes long; PostgreSQL keeps names of up to {MaxIdentifierBytes} bytes and would cut it to another name");
            }

            parts.Add(part.ToString());
            if (i == value.Length)
            {
                break;
            }

            if (value[i] != '.')
            {
                throw Invalid(value, "a quoted part must be followed by '.' or the end");
            }

            i++;
        }

        return parts.Count switch
        {
            1 => new TableName(defaultSchema, parts[0]),
            2 => new TableName(parts[0], parts[1]),
            _ => throw Invalid(value, "it has more than two parts"),
        };
    }

    /// <summary>Quotes one SQL identifier: wraps it in double quotes and doubles the quotes inside.</summary>
    /// <param name="identifier">The identifier, unquoted.</param>
    /// <returns>The quoted identifier.</returns>
    /// <exception cref="ArgumentException"><paramref name="identifier"/> is empty or contains a NUL character.</exception>
    public static string QuoteIdentifier(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("An SQL identifier cannot contain a NUL character.", nameof(identifier));
        }

        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Returns the quoted name, <c>"schema"."table"</c>.</summary>
    /// <returns>The quoted name.</returns>
    public override string ToString() => Schema is null ? string.Empty : Quoted;

    private static FormatException Invalid(string value, string reason)
        => new($"'{value}' is not a table name ({reason}). Write SCHEMA.TABLE, with double quotes around a part that has capitals, dots or spaces, e.g. public.\"Order Lines\".");
}
