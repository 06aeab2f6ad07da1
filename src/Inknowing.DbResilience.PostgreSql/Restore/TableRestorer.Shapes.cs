using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

// Reading a table's shape from the catalog: its kind, the partitions or children whose rows move, its ancestors and columns.
internal sealed partial class TableRestorer
{
    private const string ColumnsQuery = """
        SELECT a.attname::text, a.attidentity = 'a', pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
        """;

    private const string RelationQuery = """
        SELECT c.relkind::text, c.relispartition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """;

    private const string PartitionsQuery = """
        SELECT n.nspname, c.relname, c.relkind::text
        FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.isleaf ORDER BY 1, 2
        """;

    private const string AncestorsQuery = """
        SELECT n.nspname, c.relname, c.relkind::text
        FROM pg_partition_ancestors($1::regclass) a JOIN pg_class c ON c.oid = a.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE a.relid <> $1::regclass
        """;

    private const string ChildrenQuery = """
        WITH RECURSIVE d(relid) AS (
            SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass
            UNION SELECT i.inhrelid FROM pg_inherits i JOIN d ON i.inhparent = d.relid)
        SELECT n.nspname, c.relname, c.relkind::text FROM d JOIN pg_class c ON c.oid = d.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        ORDER BY 1, 2
        """;

    // A key that ON CONFLICT DO NOTHING can match rows on: a valid, non-partial unique index on NOT NULL columns.
    private const string HasRowKeyQuery = """
        SELECT EXISTS (
            SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attnotnull))
        """;
    /// <summary>Reads a table's kind and the tables whose rows a restore of it moves: its leaf partitions, or itself and (when asked) its inheritance children.</summary>
    private static async Task<Shape?> DescribeAsync(NpgsqlConnection connection, TableName table, bool includeChildren, CancellationToken cancellationToken)
    {
        char kind;
        bool isPartition;
        await using (var command = new NpgsqlCommand(RelationQuery, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
            command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            kind = reader.GetString(0)[0];
            isPartition = reader.GetBoolean(1);
        }

        var ancestors = isPartition
            ? (await ReadMembersAsync(connection, AncestorsQuery, table, TableRestorePlanTableRole.Table, cancellationToken).ConfigureAwait(false)).Select(a => a.Table).ToList()
            : [];
        if (kind == 'p')
        {
            var partitions = await ReadMembersAsync(connection, PartitionsQuery, table, TableRestorePlanTableRole.Partition, cancellationToken).ConfigureAwait(false);
            return new Shape(table, kind, partitions, [], ancestors);
        }

        var self = new Member(table, TableRestorePlanTableRole.Table, kind);
        if (kind != 'r')
        {
            return new Shape(table, kind, [self], [], ancestors);
        }

        var children = await ReadMembersAsync(connection, ChildrenQuery, table, TableRestorePlanTableRole.Child, cancellationToken).ConfigureAwait(false);
        return new Shape(table, kind, includeChildren ? [self, .. children] : [self], children.Select(c => c.Table).ToList(), ancestors);
    }

    private static async Task<List<Member>> ReadMembersAsync(NpgsqlConnection connection, string query, TableName table, TableRestorePlanTableRole role, CancellationToken cancellationToken)
    {
        var members = new List<Member>();
        await using var command = new NpgsqlCommand(query, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(new Member(new TableName(reader.GetString(0), reader.GetString(1)), role, reader.GetString(2)[0]));
        }

        return members;
    }

    private static async Task<List<Column>> ReadColumnsAsync(NpgsqlConnection connection, TableName table, CancellationToken cancellationToken)
    {
        var columns = new List<Column>();
        await using var command = new NpgsqlCommand(ColumnsQuery, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(new Column(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return columns;
    }

    private sealed record Column(string Name, bool IsIdentityAlways, string? OwnedSequence);

    private sealed record Member(TableName Table, TableRestorePlanTableRole Role, char Kind);

    /// <summary>A table as a restore sees it: its kind, the tables whose rows move, and its inheritance children (whether they move or not).</summary>
    private sealed record Shape(TableName Table, char Kind, List<Member> Members, List<TableName> Children, List<TableName> Ancestors);

    /// <summary>The rows of one backup table going into one live table.</summary>
    private sealed record Move(TableName Source, TableName Destination, TableRestorePlanTableRole Role, List<Column> Columns, List<string> MissingColumns, long RowsInBackup, long? RowsInManifest, long RowsInLive)
    {
        public string ColumnList => string.Join(", ", Columns.Select(c => TableName.QuoteIdentifier(c.Name)));

        public long ExpectedRows => RowsInManifest ?? RowsInBackup;
    }
}
