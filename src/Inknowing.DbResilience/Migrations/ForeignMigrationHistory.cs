namespace Inknowing.DbResilience.Migrations;

/// <summary>A migration history table found in the database that the library's own history does not account for.</summary>
/// <param name="Format">Whose table it looks like.</param>
/// <param name="Schema">The schema of the table.</param>
/// <param name="Table">The table's name, such as <c>flyway_schema_history</c>.</param>
/// <param name="Rows">How many rows it has, or <see langword="null"/> when the role may not read it.</param>
/// <param name="Description">Whose it looks like and why, for messages (its tool and the columns that tell).</param>
public sealed record ForeignMigrationHistory(MigrationHistoryFormat Format, string Schema, string Table, long? Rows, string Description)
{
    /// <summary>Gets the schema-qualified name of the table, quoted where PostgreSQL needs it.</summary>
    public string QualifiedName => Quote(Schema) + "." + Quote(Table);

    private static string Quote(string name)
        => name.Length > 0 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') && !char.IsAsciiDigit(name[0])
            ? name
            : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
