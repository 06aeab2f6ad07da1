using Inknowing.DbResilience.Migrations;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>
/// Finds the migration tables of a database (one catalog query, then a row count per table found) and refuses, before a
/// migration verb reads or writes anything, when they are not what the library expects.
/// </summary>
internal static class MigrationTableInspector
{
    private const string FindSql = """
        SELECT n.nspname, c.relname, array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND c.relname::text = ANY($1)
          AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
        GROUP BY n.nspname, c.relname
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>Reads what migration tables the database holds, from the point of view of the library's schema.</summary>
    public static async Task<DatabaseMigrationTables> InspectAsync(NpgsqlConnection connection, string librarySchema, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table, string[] Columns)>();
        var find = new NpgsqlCommand(FindSql, connection) { Parameters = { new NpgsqlParameter { Value = MigrationTableLayout.CandidateTables } } };
        await using (find.ConfigureAwait(false))
        {
            var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
                }
            }
        }

        var conflicts = new List<ForeignMigrationHistory>();
        var foreign = new List<ForeignMigrationHistory>();
        long libraryRows = 0;
        foreach (var (schema, table, columns) in tables)
        {
            var ours = schema == librarySchema && table is "schema_migrations" or "migration_history";
            if (ours && MigrationTableLayout.IsLibraryLayout(table, columns))
            {
                if (table == "schema_migrations")
                {
                    libraryRows = await CountAsync(connection, schema, table, cancellationToken).ConfigureAwait(false) ?? 0;
                }

                continue;
            }

            var format = MigrationTableLayout.Classify(table, columns);
            if (ours)
            {
                // A migration_history of another layout says whose it is only through its schema_migrations, if any.
                var sibling = table == "migration_history" ? tables.FirstOrDefault(t => t.Schema == schema && t.Table == "schema_migrations") : default;
                var judged = format ?? (sibling.Columns is null ? MigrationHistoryFormat.Unknown : MigrationTableLayout.Classify(sibling.Table, sibling.Columns)) ?? MigrationHistoryFormat.Unknown;
                conflicts.Add(new ForeignMigrationHistory
                {
                    Format = judged,
                    Schema = schema,
                    Table = table,
                    Rows = await CountAsync(connection, schema, table, cancellationToken).ConfigureAwait(false),
                    Description = MigrationTableLayout.Describe(judged, columns),
                });
                continue;
            }

            if (format is { } known)
            {
                foreign.Add(new ForeignMigrationHistory
                {
                    Format = known,
                    Schema = schema,
                    Table = table,
                    Rows = await CountAsync(connection, schema, table, cancellationToken).ConfigureAwait(false),
                    Description = MigrationTableLayout.Describe(known, columns),
                });
            }
        }

        return new DatabaseMigrationTables(conflicts, libraryRows, foreign);
    }

    /// <summary>Refuses when the library's schema holds tables of its names that are not its own, or, unless told to ignore them, when its history is empty and another history is in the database.</summary>
    /// <exception cref="ForeignMigrationHistoryException">Such tables were found; the message says whose they look like and the ways forward.</exception>
    public static async Task<DatabaseMigrationTables> EnsureUsableAsync(
        NpgsqlConnection connection, string librarySchema, bool ignoreForeignHistories, CancellationToken cancellationToken)
    {
        var found = await InspectAsync(connection, librarySchema, cancellationToken).ConfigureAwait(false);
        if (found.Conflicts.Count > 0)
        {
            throw ConflictException(librarySchema, found.Conflicts);
        }

        if (!ignoreForeignHistories && found.Blocking.Count > 0)
        {
            throw ForeignException(librarySchema, found.Blocking);
        }

        return found;
    }

    /// <summary>Builds the refusal for tables of the library's names in its schema that are not its own.</summary>
    public static ForeignMigrationHistoryException ConflictException(string librarySchema, IReadOnlyList<ForeignMigrationHistory> conflicts)
    {
        var what = string.Join("; ", conflicts.Select(c => $"{c.QualifiedName} ({Rows(c.Rows)}) looks like {c.Description}"));
        var adoptable = conflicts.Select(c => MigrationTableLayout.CliName(c.Format)).FirstOrDefault(n => n is not null);
        var other = librarySchema == DbResilienceOptions.DefaultSchema ? "dbresilience_migrations" : DbResilienceOptions.DefaultSchema;
        var ways = $"keep the library's tables in another schema (UseSchema(\"{other}\"), CLI --schema {other})"
            + (adoptable is null
                ? $", and baseline or migrate from there"
                : $" and adopt this history from there (dbresilience adopt --from {adoptable} --schema {other}); or adopt it in place, renaming these tables aside to <name>_adopted in the same transaction (dbresilience adopt --from {adoptable} --rename-source; IMigrationAdopter.AdoptAsync with RenameSource)");
        return new ForeignMigrationHistoryException(
            $"Schema '{librarySchema}' holds migration tables that are not this library's: {what}. Nothing was read or changed. Ways forward: {ways}.")
        {
            Histories = conflicts,
            IsSchemaConflict = true,
        };
    }

    /// <summary>Builds the refusal for other tools' histories while the library's own history is empty.</summary>
    public static ForeignMigrationHistoryException ForeignException(string librarySchema, IReadOnlyList<ForeignMigrationHistory> histories)
    {
        var what = string.Join("; ", histories.Select(h => $"{h.QualifiedName} ({Rows(h.Rows)}) looks like {h.Description}"));
        var ways = new List<string>();
        foreach (var own in histories.Where(h => h.Format == MigrationHistoryFormat.DbResilience))
        {
            ways.Add($"{own.QualifiedName} is this library's own history in schema '{own.Schema}' (tables an earlier version kept there): use that schema (UseSchema(\"{own.Schema}\"), CLI --schema {own.Schema})");
        }

        var adoptable = histories.Select(h => MigrationTableLayout.CliName(h.Format)).Where(n => n is not null).Distinct().ToArray();
        if (adoptable.Length > 0)
        {
            ways.Add($"import it as the library's applied versions: dbresilience adopt --from {string.Join("|", adoptable)} (IMigrationAdopter.AdoptAsync; --dry-run prints the mapping first and changes nothing)");
        }

        ways.Add("if the database's objects were made by hand or by a tool that cannot be adopted, record the versions it already has as applied: dbresilience baseline --version N (IMigrationAdopter.BaselineAsync)");
        ways.Add("if that history belongs to another application in the same database, ignore it: MigrationOptions.IgnoreForeignHistories = true (CLI --ignore-foreign-history)");
        return new ForeignMigrationHistoryException(
            $"The library's migration history (schema '{librarySchema}') is empty, but the database has another migration history: {what}. "
            + "Nothing was run: migrating now would apply again what that history says is applied. Ways forward: "
            + string.Join("; or ", ways) + ".")
        {
            Histories = histories,
        };
    }

    private static string Rows(long? rows) => rows is null ? "not readable by this role" : rows == 1 ? "1 row" : $"{rows} rows";

    /// <summary>Counts a table's rows, or returns null when the role may not read it.</summary>
    private static async Task<long?> CountAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand($"SELECT count(*) FROM {MigrationTracking.Quote(schema)}.{MigrationTracking.Quote(table)}", connection);
        await using (command.ConfigureAwait(false))
        {
            try
            {
                return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                return null;
            }
        }
    }
}
