using System.Globalization;
using System.Text;
using System.Text.Json;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Identifiers: schemas, tables, columns, indexes, sequences, views and constraints named with quotes, spaces, dots, mixed
/// case, non-ASCII characters (one table name of 63 bytes of three-byte characters) and text that looks like SQL injection
/// go through the CLI's backup, whole, selective and table-level restore, integrity check and migrations with their rows
/// intact, given on the command line as the documentation says, and a table named <c>victim</c> is never touched.
/// </summary>
[Category("Reliability")]
public sealed class IdentifierTests : StorageDirectoryTests
{
    private const string Weird = "we\"ird";
    private const string Space = "with space";
    private const string Dotted = "dot.ted";
    private const string Mixed = "MixedCase";
    private const string Unicode = "ünïcødé_表";
    private const string InjectionA = "x'); DROP TABLE victim; --";
    private const string InjectionB = "\"; DROP SCHEMA public CASCADE; --";
    private const string Column = "na\"me ü. x";

    private static readonly string LongName = new('表', 21);

    private static readonly string[] Schemas = [Weird, Space, Dotted, Mixed, Unicode, InjectionA, InjectionB];

    /// <summary>The ordinary tables, one per schema, with an odd column, an odd index, and rows.</summary>
    private static readonly TableName[] Plain =
    [
        new(Weird, "ta\"ble"),
        new(Dotted, "a.b"),
        new(Space, "row s"),
        new(Mixed, "MixedTable"),
        new(Unicode, LongName),
        new(InjectionA, "'); DELETE FROM victim; --"),
        new(InjectionB, "Robert'); DROP TABLE students;--"),
    ];

    private static readonly TableName InheritanceParent = new(Weird, "Pa rent");
    private static readonly TableName InheritanceChild = new(Weird, "Chi\"ld.1");
    private static readonly TableName Partitioned = new(Mixed, "Part.Ed \"P\"");
    private static readonly TableName Victim = new("public", "victim");

    /// <summary>Every table a table-level restore brings back: the ordinary ones, the partitioned and the inheritance tables.</summary>
    private static readonly TableName[] Restorable = [.. Plain, InheritanceParent, InheritanceChild, Partitioned];

    private readonly List<string> _databases = [];
    private string _connectionString = null!;
    private string _storage = null!;
    private string _temporary = null!;
    private Dictionary<string, Entry> _source = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAndBackupAsync()
    {
        _connectionString = await TestServers.CreateDatabaseAsync("identifiers");
        await BackupTestDatabase.ExecuteAsync(_connectionString, OddSchemaSql());
        _storage = NewStorage();
        _temporary = NewStorage();
        Directory.CreateDirectory(_temporary);
        _source = await SnapshotAsync(_connectionString);
        var backup = await RunAsync(_connectionString, "backup");
        backup.ExitCode.Should().Be(0, backup.Output + backup.Error);
    }

    [OneTimeTearDown]
    public async Task DropDatabasesAsync()
    {
        foreach (var database in _databases)
        {
            await BackupTestDatabase.ExecuteAsync(TestServers.PostgreSqlConnectionString, $"DROP DATABASE IF EXISTS {TableName.QuoteIdentifier(database)} WITH (FORCE)");
        }
    }

    [Test]
    public async Task Backup_OddNamesAsPgDumpPatterns_DumpOnlyThoseWithTheirRows()
    {
        // Patterns as pg_dump reads them: double quotes keep the dot, the capitals and the quote (doubled) literal.
        var lost = new List<string>();
        foreach (var (option, pattern, table) in new[] { ("--schema", "\"dot.ted\"", Plain[1]), ("--table", "\"we\"\"ird\".\"ta\"\"ble\"", Plain[0]) })
        {
            var storage = NewStorage();
            var backup = await ReliabilityCli.RunAsync(_connectionString, storage, _temporary, "backup", option, pattern);
            backup.ExitCode.Should().Be(0, backup.Output + backup.Error);
            var target = NewDatabaseName("idn_pattern");
            var restore = await ReliabilityCli.RunAsync(_connectionString, storage, _temporary, "restore", "latest", "--target-database", target);
            restore.ExitCode.Should().Be(0, restore.Output + restore.Error);
            var restored = await SnapshotAsync(Connection(target));
            lost.AddRange(LostTables(_source, restored, [table]));
            restored.Keys.Where(k => k.StartsWith("table ", StringComparison.Ordinal)).Should().BeEquivalentTo(["table " + table.Quoted], $"backup {option} {pattern} holds that table only");
        }

        ReliabilityTrials.Record("identifiers/backup-patterns", 2, 0, lost.Count, "backup --schema '\"dot.ted\"' and --table '\"we\"\"ird\".\"ta\"\"ble\"' (pg_dump patterns), each restored whole: that table only, its rows and digest");
        lost.Should().BeEmpty();
    }

    [Test]
    public async Task Restore_WholeDatabaseWithOddNames_EveryTableSequenceViewIndexAndKeyAsInTheSource()
    {
        // The target database's own name is odd too.
        var target = NewDatabaseName("Ziel \"DB\" ü.");
        var restore = await RunAsync(_connectionString, "restore", "latest", "--target-database", target);
        var verify = await RunAsync(_connectionString, "verify", "latest", "--restore-test");

        restore.ExitCode.Should().Be(0, restore.Output + restore.Error);
        var restored = await SnapshotAsync(Connection(target));
        var lost = LostTables(_source, restored, Restorable.Append(Victim));
        ReliabilityTrials.Record(
            "identifiers/whole-restore",
            Restorable.Length + 1,
            0,
            lost.Count,
            $"{Schemas.Length} odd schemas, {Restorable.Length} odd tables (partitioned, inherited, a 63-byte name), with odd columns, indexes, sequences, views, foreign keys; rows and digests of each; verify --restore-test");
        lost.Should().BeEmpty();
        restored.Should().BeEquivalentTo(_source, "the restored database holds every object and row of the source");
        verify.ExitCode.Should().Be(0, verify.Output + verify.Error);
    }

    [Test]
    public async Task Restore_OneOddSchemaOrTable_RestoresOnlyThoseWithTheirRows()
    {
        var lost = new List<string>();

        // A schema is given as stored (no quotes): we"ird, with its inheritance tables, sequence, view and index.
        var schemaTarget = NewDatabaseName("idn_schema");
        var schema = await RunAsync(_connectionString, "restore", "latest", "--target-database", schemaTarget, "--schema", Weird);
        schema.ExitCode.Should().Be(0, schema.Output + schema.Error);
        var expected = _source.Where(e => e.Value.Schema == Weird).ToDictionary(e => e.Key, e => e.Value);
        var schemaRestored = await SnapshotAsync(Connection(schemaTarget));
        lost.AddRange(LostTables(expected, schemaRestored, Restorable.Where(t => t.Schema == Weird)));
        schemaRestored.Should().BeEquivalentTo(expected, "only schema we\"ird is restored, all of it");

        // A table is SCHEMA.TABLE with double-quoted parts; the quoted form is what TableName prints.
        foreach (var table in new[] { new TableName(Unicode, LongName), Plain[5], Plain[6] })
        {
            var tableTarget = NewDatabaseName("idn_table");
            var restore = await RunAsync(_connectionString, "restore", "latest", "--target-database", tableTarget, "--table", table.Quoted);
            restore.ExitCode.Should().Be(0, restore.Output + restore.Error);
            var restored = await SnapshotAsync(Connection(tableTarget));
            lost.AddRange(LostTables(_source, restored, [table]));
            restored.Keys.Where(k => k.StartsWith("table ", StringComparison.Ordinal)).Should().BeEquivalentTo(["table " + table.Quoted], "only the table asked for is restored");
        }

        ReliabilityTrials.Record("identifiers/selective-restore", 4, 0, lost.Count, "restore --schema we\"ird (as stored), restore --table of three odd tables (SCHEMA.TABLE, double-quoted parts): only those, rows and digests");
        lost.Should().BeEmpty();
    }

    [Test]
    public async Task Restore_TableNameThatMatchesNothing_RefusedNotAnEmptySuccess()
    {
        // Unquoted parts fold to lower case, as in SQL: mixedcase.mixedtable is not "MixedCase"."MixedTable".
        var folded = NewDatabaseName("idn_folded");
        var table = await RunAsync(_connectionString, "restore", "latest", "--target-database", folded, "--table", "MixedCase.MixedTable");
        var quotedSchema = NewDatabaseName("idn_quoted");
        var schema = await RunAsync(_connectionString, "restore", "latest", "--target-database", quotedSchema, "--schema", "\"MixedCase\"");

        var unknown = NewDatabaseName("idn_unknown");
        var absent = await RunAsync(_connectionString, "restore", "latest", "--target-database", unknown, "--table", "\"with space\".no_such_table");

        table.ExitCode.Should().Be(1, table.Output + table.Error);
        table.Error.Should().Contain("\"mixedcase\".\"mixedtable\"").And.Contain("\"MixedCase\".\"MixedTable\"", "the refusal names the table the backup does hold");
        schema.ExitCode.Should().Be(1, schema.Output + schema.Error);
        schema.Error.Should().Contain("\"MixedCase\"").And.Contain("MixedCase");
        absent.ExitCode.Should().Be(1, absent.Output + absent.Error);
        absent.Error.Should().Contain("table \"with space\".no_such_table", "a name the backup does not hold restores nothing, so it is refused");
        (await DatabaseExistsAsync(unknown)).Should().BeFalse("the database the refused restore created is dropped");
        (await DatabaseExistsAsync(folded)).Should().BeFalse("a refused restore creates nothing");
        (await DatabaseExistsAsync(quotedSchema)).Should().BeFalse("a refused restore creates nothing");
    }

    [Test]
    public async Task RestoreTable_EachOddTableReplacedAndCopied_RowsAsInTheBackupAndOtherTablesUntouched()
    {
        var lost = new List<string>();
        var checks = 0;
        var live = _connectionString;
        foreach (var (table, index) in Restorable.Select((t, i) => (t, i)))
        {
            // Change the table, and add a row to victim that only the live database has.
            var only = table == Partitioned ? string.Empty : "ONLY ";
            await BackupTestDatabase.ExecuteAsync(live, $"UPDATE {only}{table.Quoted} SET {Q(Column)} = 'changed' WHERE id % 3 = 0; INSERT INTO public.victim VALUES ({1000 + index}, 'live only')");
            var before = await SnapshotAsync(live);
            var restore = await RunAsync(live, "restore-table", "latest", "--table", table.Quoted, "--mode", "replace");
            checks++;
            if (restore.ExitCode != 0)
            {
                lost.Add(table.Quoted + ": " + restore.Output + restore.Error);
                continue;
            }

            var after = await SnapshotAsync(live);
            TableName[] restoredTables = table == Partitioned ? [table, new(Mixed, "Part.Ed p1"), new(Mixed, "Part.Ed p2")] : [table];
            lost.AddRange(LostTables(_source, after, restoredTables));
            var untouched = before.Where(e => !e.Key.StartsWith("view ", StringComparison.Ordinal) && !restoredTables.Any(t => e.Key == "table " + t.Quoted)).ToDictionary(e => e.Key, e => e.Value);
            after.Should().Contain(untouched, $"restoring {table.Quoted} touches no other table (victim keeps its live rows)");
        }

        // Into a new table: in another odd schema, in the table's own schema, and a name PostgreSQL would cut is refused.
        var copies = new (TableName Source, string Mode, TableName Copy)[]
        {
            (new(Unicode, LongName), "new:\"with space\".\"co\"\"py ü.1\"", new(Space, "co\"py ü.1")),
            (Plain[5], "new:\"'); DELETE FROM victim; -- copy\"", new(InjectionA, "'); DELETE FROM victim; -- copy")),
            (Partitioned, "new:\"dot.ted\".\"Part.Ed \"\"P\"\" copy\"", new(Dotted, "Part.Ed \"P\" copy")),
        };
        foreach (var (source, mode, copy) in copies)
        {
            var restore = await RunAsync(live, "restore-table", "latest", "--table", source.Quoted, "--mode", mode);
            checks++;
            if (restore.ExitCode != 0)
            {
                lost.Add(copy.Quoted + ": " + restore.Output + restore.Error);
                continue;
            }

            var rows = await DigestAsync(live, copy, only: false);
            var expected = source == Partitioned ? await DigestAsync(live, source, only: false) : _source["table " + source.Quoted].Value;
            if (rows != expected)
            {
                lost.Add($"{copy.Quoted}: {rows}, the backup's {source.Quoted} {expected}");
            }
        }

        var tooLong = await RunAsync(live, "restore-table", "latest", "--table", Plain[0].Quoted, "--mode", "new:" + Q(new string('表', 22)));
        (await SnapshotAsync(live)).Should().Contain(_source.Where(e => e.Key != "table " + Victim.Quoted), "every odd object is as in the backup");
        ReliabilityTrials.Record("identifiers/table-restore", checks, 0, lost.Count, $"restore-table of {Restorable.Length} odd tables in replace mode (victim's live rows kept), {copies.Length} into new tables of odd names; a 66-byte new name refused");
        lost.Should().BeEmpty();
        tooLong.ExitCode.Should().NotBe(0, "PostgreSQL would cut a 66-byte name to another name");
        tooLong.Error.Should().Contain("63");
    }

    [Test]
    public async Task Integrity_OddNames_ReportedByTheirRealNamesAndAnOrphanNamedQuoted()
    {
        var database = await TestServers.CreateDatabaseAsync("identifiers_integrity");
        _databases.Add(new NpgsqlConnectionStringBuilder(database).Database!);
        await BackupTestDatabase.ExecuteAsync(database, OddSchemaSql());

        var clean = await RunAsync(database, "integrity", "--json");
        await BackupTestDatabase.ExecuteAsync(database, $"SET session_replication_role = replica; UPDATE {Plain[2].Quoted} SET {Q("dot ref")} = 99999 WHERE id = 7");
        var orphan = await RunAsync(database, "integrity");

        clean.ExitCode.Should().Be(0, clean.Output + clean.Error);
        using var json = JsonDocument.Parse(clean.Output);
        var counts = json.RootElement.GetProperty("tableRowCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        var lost = Counted.Where(t => !counts.TryGetValue(t.Quoted, out var rows) || rows != RowsOf(t)).Select(t => t.Quoted).ToList();
        ReliabilityTrials.Record("identifiers/integrity", Counted.Length + 1, 0, lost.Count + (orphan.ExitCode == 1 ? 0 : 1), "integrity --json row counts keyed by each odd table's quoted name; an orphaned row of an odd foreign key reported with the child, parent and constraint quoted");
        lost.Should().BeEmpty("every odd table is counted under its quoted name: " + string.Join(", ", counts.Keys));
        orphan.ExitCode.Should().Be(1, orphan.Output + orphan.Error);
        orphan.Output.Should().Contain($"{Plain[2].Quoted}({Q("dot ref")}) -> {Plain[1].Quoted}(\"id\") [constraint {Q("fk \"dot.ted\" ü")}]");
    }

    [Test]
    public async Task Migrate_MigrationsCreatingOddNames_ApplyAndRollBack()
    {
        var database = await TestServers.CreateDatabaseAsync("identifiers_migrations");
        _databases.Add(new NpgsqlConnectionStringBuilder(database).Database!);
        await BackupTestDatabase.ExecuteAsync(database, "CREATE TABLE public.victim (id int PRIMARY KEY, note text); INSERT INTO public.victim SELECT g, 'keep ' || g FROM generate_series(1, 20) g");
        var migrations = Path.Combine(_temporary, "migrations-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(migrations);
        var schema = Q("mi\"gr.ation ü; DROP TABLE victim; --");
        var table = schema + "." + Q("ta ble.\"1\"");
        await File.WriteAllTextAsync(
            Path.Combine(migrations, "V1__odd_names.sql"),
            $"CREATE SCHEMA {schema};\nCREATE TABLE {table} (id int PRIMARY KEY, {Q(Column)} text);\nINSERT INTO {table} SELECT g, 'x' FROM generate_series(1, 5) g;\n"
            + $"CREATE INDEX {Q("in\"dex ü")} ON {table} ({Q(Column)});\nCREATE VIEW {schema}.{Q("vi\"ew.ü")} AS SELECT * FROM {table};\nCREATE SEQUENCE {schema}.{Q("se\"q ü")};\n");
        await File.WriteAllTextAsync(Path.Combine(migrations, "R1__odd_names.sql"), $"DROP SCHEMA {schema} CASCADE;\n");

        var migrate = await RunAsync(database, "migrate", "--migrations", migrations);
        migrate.ExitCode.Should().Be(0, migrate.Output + migrate.Error);
        var applied = await BackupTestDatabase.ScalarAsync<long>(database, $"SELECT count(*) FROM {table}");
        var status = await RunAsync(database, "status", "--migrations", migrations, "--exit-code");
        var rollback = await RunAsync(database, "rollback", "--migrations", migrations, "--to", "0");
        var schemaLeft = await BackupTestDatabase.ScalarAsync<long>(database, "SELECT count(*) FROM pg_namespace WHERE nspname = 'mi\"gr.ation ü; DROP TABLE victim; --'");
        var victim = await BackupTestDatabase.ScalarAsync<long>(database, "SELECT count(*) FROM public.victim");

        ReliabilityTrials.Record("identifiers/migrations", 2, 0, (migrate.ExitCode == 0 && applied == 5 ? 0 : 1) + (rollback.ExitCode == 0 && schemaLeft == 0 ? 0 : 1), "a migration creating an odd schema, table, column, index, view and sequence: applied, status clean, rolled back; victim untouched");
        migrate.ExitCode.Should().Be(0, migrate.Output + migrate.Error);
        applied.Should().Be(5);
        status.ExitCode.Should().Be(0, status.Output + status.Error);
        rollback.ExitCode.Should().Be(0, rollback.Output + rollback.Error);
        schemaLeft.Should().Be(0, "the rollback dropped the odd schema");
        victim.Should().Be(20, "victim is never touched");
    }

    /// <summary>The tables that hold rows (integrity counts the partitions, not the partitioned table).</summary>
    private static TableName[] Counted => [.. Restorable.Where(t => t != Partitioned), new(Mixed, "Part.Ed p1"), new(Mixed, "Part.Ed p2")];

    private static string Q(string identifier) => TableName.QuoteIdentifier(identifier);

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The rows each table gets: 40 in the ordinary and partitioned tables (20 in each partition), 10 in the inheritance parent, 20 in its child.</summary>
    private static int RowsOf(TableName table) => table == InheritanceParent ? 10 : table == InheritanceChild || table.Name.StartsWith("Part.Ed p", StringComparison.Ordinal) ? 20 : 40;

    private static string OddSchemaSql()
    {
        var sql = new StringBuilder("SET client_min_messages = warning;\n");
        sql.Append("CREATE TABLE public.victim (id int PRIMARY KEY, note text); INSERT INTO public.victim SELECT g, 'keep ' || g FROM generate_series(1, 20) g;\n");
        foreach (var (schema, i) in Schemas.Select((s, i) => (s, i)))
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE SCHEMA {Q(schema)};\n");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE SEQUENCE {Q(schema)}.{Q("se\"q ü")} START WITH {100 + i};\n");
        }

        foreach (var (table, i) in Plain.Select((t, i) => (t, i)))
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {table.Quoted} (id int PRIMARY KEY, {Q(Column)} text NOT NULL);\n");
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table.Quoted} SELECT g, 'ro\"w '' ' || g || ' ü表 ' || {Literal(table.Name)} FROM generate_series(1, 40) g;\n");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE INDEX {Q("in\"dex ü " + i)} ON {table.Quoted} ({Q(Column)});\n");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE VIEW {Q(table.Schema)}.{Q("vi\"ew.ü")} AS SELECT id, {Q(Column)} FROM {table.Quoted};\n");
        }

        // A foreign key across two odd schemas, named oddly.
        sql.Append(CultureInfo.InvariantCulture, $"ALTER TABLE {Plain[2].Quoted} ADD COLUMN {Q("dot ref")} int;\nUPDATE {Plain[2].Quoted} SET {Q("dot ref")} = id;\n");
        sql.Append(CultureInfo.InvariantCulture, $"ALTER TABLE {Plain[2].Quoted} ADD CONSTRAINT {Q("fk \"dot.ted\" ü")} FOREIGN KEY ({Q("dot ref")}) REFERENCES {Plain[1].Quoted} (id);\n");

        // Inheritance in we"ird, the parent referencing the schema's table.
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {InheritanceParent.Quoted} (id int PRIMARY KEY, {Q(Column)} text, {Q("ta\"ble_id")} int REFERENCES {Plain[0].Quoted} (id));\n");
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {InheritanceChild.Quoted} ({Q("ex\"tra")} text) INHERITS ({InheritanceParent.Quoted});\nALTER TABLE {InheritanceChild.Quoted} ADD PRIMARY KEY (id);\n");
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {InheritanceParent.Quoted} SELECT g, 'parent ' || g, g FROM generate_series(1, 10) g;\n");
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {InheritanceChild.Quoted} SELECT g, 'child ' || g, g, 'ex''tra' FROM generate_series(11, 30) g;\n");

        // A partitioned table in MixedCase, referencing the schema's table.
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {Partitioned.Quoted} (id int PRIMARY KEY, {Q("Mixed_Id")} int NOT NULL REFERENCES {Plain[3].Quoted} (id), {Q(Column)} text) PARTITION BY RANGE (id);\n");
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {Q(Mixed)}.{Q("Part.Ed p1")} PARTITION OF {Partitioned.Quoted} FOR VALUES FROM (1) TO (21);\n");
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {Q(Mixed)}.{Q("Part.Ed p2")} PARTITION OF {Partitioned.Quoted} FOR VALUES FROM (21) TO (41);\n");
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {Partitioned.Quoted} SELECT g, g, 'part ' || g FROM generate_series(1, 40) g;\n");
        return sql.ToString();
    }

    /// <summary>
    /// Reads every object outside the system and library schemas: each table's row count and digest (its own rows, ONLY),
    /// each view's digest, each sequence's state, each index and foreign key by name. Keys are the kind and the quoted name.
    /// </summary>
    private static async Task<Dictionary<string, Entry>> SnapshotAsync(string connectionString)
    {
        var objects = new List<(string Kind, TableName Name)>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT c.relkind::text, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE c.relkind IN ('r', 'p', 'v', 'S', 'i', 'I') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'dbresilience') "
                + "UNION ALL SELECT 'f', n.nspname, c.conname || ' on ' || c.conrelid::regclass::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                + "WHERE c.contype = 'f' AND n.nspname <> 'dbresilience'",
                connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                objects.Add((reader.GetString(0), new TableName(reader.GetString(1), reader.GetString(2))));
            }
        }

        var snapshot = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (kind, name) in objects)
        {
            var (label, value) = kind switch
            {
                "r" or "p" => ("table", await DigestAsync(connectionString, name, only: true)),
                "v" => ("view", await DigestAsync(connectionString, name, only: false)),
                "S" => ("sequence", await BackupTestDatabase.ScalarAsync<string>(connectionString, $"SELECT last_value || ',' || is_called FROM {name.Quoted}")),
                "f" => ("foreign key", string.Empty),
                _ => ("index", string.Empty),
            };
            snapshot[label + " " + name.Quoted] = new Entry(name.Schema, value);
        }

        return snapshot;
    }

    private static Task<string> DigestAsync(string connectionString, TableName table, bool only)
        => BackupTestDatabase.ScalarAsync<string>(
            connectionString,
            $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {(only ? "ONLY " : string.Empty)}{table.Quoted} t");

    /// <summary>Returns the tables whose rows differ between the two snapshots (missing counts as differing).</summary>
    private static List<string> LostTables(Dictionary<string, Entry> expected, Dictionary<string, Entry> actual, IEnumerable<TableName> tables)
        => tables.Select(t => "table " + t.Quoted)
            .Where(key => !expected.TryGetValue(key, out var want) || !actual.TryGetValue(key, out var got) || want != got)
            .ToList();

    private string NewDatabaseName(string prefix)
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..8];
        _databases.Add(name);
        return name;
    }

    private string Connection(string database) => new NpgsqlConnectionStringBuilder(_connectionString) { Database = database }.ConnectionString;

    private static async Task<bool> DatabaseExistsAsync(string database)
        => await BackupTestDatabase.ScalarAsync<long>(TestServers.PostgreSqlConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = {Literal(database)}") > 0;

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string connectionString, params string[] arguments)
        => ReliabilityCli.RunAsync(connectionString, _storage, _temporary, arguments);

    /// <summary>One object of a snapshot: its schema and what was read of it.</summary>
    private sealed record Entry(string Schema, string Value);
}
