using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>
/// One foreign key read from <c>pg_constraint</c> (multi-column too), and the query that finds its orphaned rows as PostgreSQL
/// defines them: a foreign key on a partitioned table covers every partition, one on an ordinary table (an inheritance
/// parent included) covers that table's own rows only, and the same holds for the referenced side.
/// </summary>
internal sealed record ForeignKeyConstraint(
    string Name,
    TableName Child,
    TableName Parent,
    bool MatchFull,
    string[] ChildColumns,
    string[] ParentColumns,
    bool ChildIsPartitioned,
    bool ParentIsPartitioned,
    char OnDelete)
{
    private const string Query = """
        WITH involved AS (
            SELECT t.name::regclass::oid AS relid FROM unnest($1::text[]) AS t(name)
            UNION SELECT a.relid FROM unnest($1::text[]) AS t(name) CROSS JOIN LATERAL pg_partition_ancestors(t.name::regclass) AS a(relid))
        SELECT con.conname, cn.nspname, c.relname, pn.nspname, p.relname, con.confmatchtype::text,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
               c.relkind = 'p', p.relkind = 'p', con.confdeltype::text
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_class p ON p.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE con.contype = 'f' AND con.conparentid = 0
          AND ($1::text[] IS NULL OR con.conrelid IN (SELECT relid FROM involved) OR con.confrelid IN (SELECT relid FROM involved))
        ORDER BY cn.nspname, c.relname, con.conname
        """;

    /// <summary>
    /// Reads every foreign key of the database, or only those from or to the given tables and the partitioned tables
    /// they are partitions of (a partition's foreign keys are its parent's).
    /// </summary>
    public static async Task<List<ForeignKeyConstraint>> LoadAsync(NpgsqlConnection connection, IReadOnlyCollection<TableName>? involving, CancellationToken cancellationToken)
    {
        var foreignKeys = new List<ForeignKeyConstraint>();
        await using var command = new NpgsqlCommand(Query, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = involving?.Select(t => t.Quoted).ToArray(), DataTypeName = "text[]" });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            foreignKeys.Add(new ForeignKeyConstraint(
                reader.GetString(0),
                new TableName(reader.GetString(1), reader.GetString(2)),
                new TableName(reader.GetString(3), reader.GetString(4)),
                reader.GetString(5) == "f",
                reader.GetFieldValue<string[]>(6),
                reader.GetFieldValue<string[]>(7),
                reader.GetBoolean(8),
                reader.GetBoolean(9),
                reader.GetString(10)[0]));
        }

        return foreignKeys;
    }

    /// <summary>Gets a value indicating whether deleting a referenced row changes or deletes referencing rows (ON DELETE CASCADE, SET NULL, SET DEFAULT).</summary>
    public bool DeleteChangesChildren => OnDelete is 'c' or 'n' or 'd';

    /// <summary>Counts the child rows that have no parent.</summary>
    public async Task<long> CountOrphansAsync(NpgsqlConnection connection, int commandTimeoutSeconds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) " + OrphansFromWhere(), connection);
        command.CommandTimeout = commandTimeoutSeconds;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public string ChildColumnList(string alias)
        => string.Join(", ", ChildColumns.Select(c => alias + "." + TableName.QuoteIdentifier(c)));

    public string OrphansFromWhere()
    {
        var allSet = string.Join(" AND ", ChildColumns.Select(c => "c." + TableName.QuoteIdentifier(c) + " IS NOT NULL"));
        var join = string.Join(" AND ", ChildColumns.Zip(ParentColumns, (c, p) => "p." + TableName.QuoteIdentifier(p) + " = c." + TableName.QuoteIdentifier(c)));
        var missingParent = $"({allSet} AND NOT EXISTS (SELECT 1 FROM {(ParentIsPartitioned ? string.Empty : "ONLY ")}{Parent.Quoted} p WHERE {join}))";
        if (MatchFull && ChildColumns.Length > 1)
        {
            var someSet = string.Join(" OR ", ChildColumns.Select(c => "c." + TableName.QuoteIdentifier(c) + " IS NOT NULL"));
            missingParent += $" OR (NOT ({allSet}) AND ({someSet}))";
        }

        return $"FROM {(ChildIsPartitioned ? string.Empty : "ONLY ")}{Child.Quoted} c WHERE {missingParent}";
    }

    public string Describe()
        => $"{Child.Quoted}({string.Join(", ", ChildColumns.Select(TableName.QuoteIdentifier))}) -> "
            + $"{Parent.Quoted}({string.Join(", ", ParentColumns.Select(TableName.QuoteIdentifier))}) [constraint {TableName.QuoteIdentifier(Name)}]";
}
