using System.Security.Cryptography;
using System.Text;

namespace Inknowing.DbResilience.Migrations;

/// <summary>One migration, rollback, seed or repeatable script, with its SQL normalized and checksummed.</summary>
public sealed class MigrationScript
{
    private const string HexDigits = "0123456789abcdef";

    /// <summary>Initializes a new instance of the <see cref="MigrationScript"/> class.</summary>
    /// <param name="kind">What the script does.</param>
    /// <param name="version">The version; <see langword="null"/> only for <see cref="MigrationKind.Repeatable"/>.</param>
    /// <param name="name">The descriptive name, such as <c>create_orders</c>.</param>
    /// <param name="origin">Where the script came from, for messages: a file path, a resource name or <c>code</c>.</param>
    /// <param name="sql">The SQL text; a byte-order mark is removed and line endings become <c>\n</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/>, <paramref name="origin"/> or <paramref name="sql"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A versioned, rollback or seed script has no version, or a repeatable one has one.</exception>
    public MigrationScript(MigrationKind kind, MigrationVersion? version, string name, string origin, string sql)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(sql);
        if ((kind == MigrationKind.Repeatable) != (version is null))
        {
            throw new ArgumentException(kind == MigrationKind.Repeatable
                ? "A repeatable script has no version."
                : $"A {kind} script needs a version.", nameof(version));
        }

        Kind = kind;
        Version = version;
        Name = name;
        Origin = origin;
        Sql = Normalize(sql);
        Checksum = ComputeChecksum(Sql);
    }

    /// <summary>Gets what the script does.</summary>
    public MigrationKind Kind { get; }

    /// <summary>Gets the version, or <see langword="null"/> for a repeatable script.</summary>
    public MigrationVersion? Version { get; }

    /// <summary>Gets the descriptive name from the file name, such as <c>create_orders</c>.</summary>
    public string Name { get; }

    /// <summary>Gets where the script came from (a file path, a resource name or <c>code</c>), as named in messages.</summary>
    public string Origin { get; }

    /// <summary>Gets the SQL without a byte-order mark and with <c>\n</c> line endings.</summary>
    public string Sql { get; }

    /// <summary>Gets the lower-case hexadecimal SHA-256 of <see cref="Sql"/> in UTF-8: line endings and a BOM do not change it.</summary>
    public string Checksum { get; }

    /// <summary>
    /// Gets the key of the script in <c>schema_migrations.version</c>: the version for a migration (<c>1.2</c>),
    /// <c>S</c> and the version for a seed (<c>S1.2</c>), <c>A:</c> and the name for a repeatable script.
    /// </summary>
    public string TrackingKey => Kind switch
    {
        MigrationKind.Seed => "S" + Version,
        MigrationKind.Repeatable => "A:" + Name,
        _ => Version!.Value.ToString(),
    };

    /// <inheritdoc />
    public override string ToString() => Kind == MigrationKind.Repeatable ? $"A__{Name} ({Origin})" : $"{Kind} {Version} {Name} ({Origin})";

    internal static string Normalize(string sql)
    {
        var text = sql.Length > 0 && sql[0] == '\uFEFF' ? sql[1..] : sql;
        return text.Contains('\r', StringComparison.Ordinal)
            ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')
            : text;
    }

    internal static string ComputeChecksum(string normalizedSql)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalizedSql));
        var builder = new StringBuilder(hash.Length * 2);
        foreach (var b in hash)
        {
            builder.Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
        }

        return builder.ToString();
    }
}
