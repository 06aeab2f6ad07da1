namespace Inknowing.DbResilience.Migrations;

/// <summary>A migration history table found in the database that the library's own history does not account for.</summary>
public sealed record ForeignMigrationHistory
{
    /// <summary>Gets whose table it looks like.</summary>
    public required MigrationHistoryFormat Format { get; init; }

    /// <summary>Gets the schema of the table.</summary>
    public required string Schema { get; init; }

    /// <summary>Gets the table's name, such as <c>flyway_schema_history</c>.</summary>
    public required string Table { get; init; }

    /// <summary>Gets how many rows it has, or <see langword="null"/> when the role may not read it.</summary>
    public long? Rows { get; init; }

    /// <summary>Gets whose it looks like and why, for messages (its tool and the columns that tell).</summary>
    public required string Description { get; init; }

    /// <summary>Gets the schema-qualified name of the table, quoted where PostgreSQL needs it.</summary>
    public string QualifiedName => Quote(Schema) + "." + Quote(Table);

    private static string Quote(string name)
        => name.Length > 0 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') && !char.IsAsciiDigit(name[0])
            ? name
            : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
