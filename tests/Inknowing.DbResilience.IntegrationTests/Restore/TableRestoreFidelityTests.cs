using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.IntegrationTests.Backups;
using Inknowing.DbResilience.IntegrationTests.Fixtures;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Restore;
using Npgsql;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

/// <summary>
/// Table-level restore of every table of the fidelity fixture, in each mode, from one backup made by the real backup
/// service: after rows are deleted and changed, the restored table holds exactly the backup's rows and every other table
/// is as it was. Replace and append share one live copy, which each case leaves as the backup had it; new-table cases
/// use another.
/// </summary>
[NonParallelizable]
public sealed class TableRestoreFidelityTests
{
    /// <summary>Every table of the fixture (partitions and inheritance children included), quoted.</summary>
    private static readonly string[] Tables =
    [
        "\"public\".\"language\"", "\"public\".\"actor\"", "\"public\".\"category\"", "\"public\".\"film\"", "\"public\".\"film_actor\"",
        "\"public\".\"film_category\"", "\"public\".\"inventory\"", "\"public\".\"country\"", "\"public\".\"city\"", "\"public\".\"address\"",
        "\"public\".\"payment\"", "\"public\".\"payment_p2022_01\"", "\"public\".\"payment_p2022_02\"", "\"public\".\"payment_p2022_03\"",
        "\"public\".\"payment_p2022_04\"", "\"public\".\"payment_p2022_05\"", "\"public\".\"payment_p2022_06\"", "\"public\".\"payment_p2022_07\"",
        "\"public\".\"Fïlm Notes \"\"Q\"\"\"",
        "\"shop\".\"customers\"", "\"shop\".\"audit_log\"", "\"shop\".\"products\"", "\"shop\".\"orders\"", "\"shop\".\"orders_2024\"",
        "\"shop\".\"orders_2025\"", "\"shop\".\"orders_2025_eu\"", "\"shop\".\"orders_2025_us\"", "\"Mixed.Schema\".\"orders 2025 other\"",
        "\"shop\".\"orders_default\"", "\"Mixed.Schema\".\"Order Lines\"", "\"Mixed.Schema\".\"Order Lines p0\"", "\"Mixed.Schema\".\"Order Lines p1\"",
        "\"shop\".\"order_lines_p2\"", "\"shop\".\"order_lines_p3\"", "\"shop\".\"departments\"", "\"shop\".\"employees\"", "\"shop\".\"page_views\"",
        "\"shop\".\"attachments\"", "\"shop\".\"CamelCase Table\"",
        "\"archive\".\"documents\"", "\"archive\".\"taggable\"", "\"archive\".\"invoices\"", "\"archive\".\"Paid Invoices\"", "\"archive\".\"tagged_notes\"",
        "\"archive\".\"memos\"", "\"archive\".\"document_links\"",
        "\"Ünïcode Schéma\".\"Straße\"",
    ];

    private string _source = null!;
    private string _storage = null!;
    private Dictionary<string, string> _backup = null!;
    private string _live = null!;
    private string _liveForNewTables = null!;
    private DbResilienceHost _host = null!;
    private DbResilienceHost _hostForNewTables = null!;
    private int _newTables;

    [OneTimeSetUp]
    public async Task CreateFixtureBackupAndLiveCopies()
    {
        _source = await FidelityFixture.CreateAsync("trfsrc");
        _storage = BackupTestDatabase.NewStorageDirectory();
        await using (var host = BackupTestDatabase.BuildHost(_source, [_storage]))
        {
            await host.GetRequiredService<IBackupService>().CreateAsync();
        }

        _backup = await ChecksumsAsync(_source);
        _live = await CopyAsync("trflive");
        _liveForNewTables = await CopyAsync("trfnew");
        _host = BackupTestDatabase.BuildHost(_live, [_storage]);
        _hostForNewTables = BackupTestDatabase.BuildHost(_liveForNewTables, [_storage]);
    }

    [OneTimeTearDown]
    public async Task DeleteStorage()
    {
        await _host.DisposeAsync();
        await _hostForNewTables.DisposeAsync();
        Directory.Delete(_storage, recursive: true);
    }

    [Test]
    public async Task Tables_OfTheFixture_AreAllCovered()
        => (await ChecksumsAsync(_source)).Keys.Should().BeEquivalentTo(Tables);

    [TestCaseSource(nameof(Tables))]
    public async Task RestoreTableAsync_ReplaceAfterDeletesAndChanges_GivesBackTheBackupAndLeavesOtherTablesAlone(string quoted)
    {
        var table = TableName.Parse(quoted);
        await DamageAsync(_live, table, change: true);
        (await ChecksumsAsync(_live)).Should().NotEqual(_backup, "rows were deleted or changed");

        var result = await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = table, Mode = TableRestoreMode.Replace });

        result.Executed.Should().BeTrue();
        result.Plan.Tables.Should().OnlyContain(t => t.RowsInManifest == t.RowsInBackup);
        (await ChecksumsAsync(_live)).Should().Equal(_backup);
    }

    [TestCaseSource(nameof(Tables))]
    public async Task RestoreTableAsync_AppendAfterDeletes_GivesBackTheDeletedRowsOrRefusesATableWithoutKey(string quoted)
    {
        var table = TableName.Parse(quoted);
        if (!await HasRowKeyAsync(_live, table))
        {
            var refused = () => _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = table, Mode = TableRestoreMode.Append });

            (await refused.Should().ThrowAsync<RestoreException>()).Which.Message.Should().Contain("no primary key").And.Contain("Nothing was changed");
            (await ChecksumsAsync(_live)).Should().Equal(_backup);
            return;
        }

        await DamageAsync(_live, table, change: false);

        var result = await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = table, Mode = TableRestoreMode.Append });

        result.RowsInserted.Should().BeGreaterThan(0);
        (await ChecksumsAsync(_live)).Should().Equal(_backup);
    }

    [TestCaseSource(nameof(Tables))]
    public async Task RestoreTableAsync_NewTableInAnotherSchema_HoldsTheBackupRowsAndLeavesOtherTablesAlone(string quoted)
    {
        var table = TableName.Parse(quoted);
        await DamageAsync(_liveForNewTables, table, change: true);
        var before = await ChecksumsAsync(_liveForNewTables);
        var target = new TableName("Mixed.Schema", $"Restored {++_newTables} \"{table.Name}\"");

        var result = await _hostForNewTables.GetRequiredService<IRestoreService>().RestoreTableAsync(
            new TableRestoreRequest { Table = table, Mode = TableRestoreMode.NewTable, NewTable = target });

        result.Plan.TargetTable.Should().Be(target);
        var after = await ChecksumsAsync(_liveForNewTables);
        after[target.Quoted].Should().Be(_backup[table.Quoted]);
        after.Remove(target.Quoted);
        after.Should().Equal(before);
        await ExecuteAsync(_liveForNewTables, $"DROP TABLE {target.Quoted}");
    }

    [Test]
    public async Task RestoreTableAsync_PartitionedTable_PlansEachPartitionWithItsRowCounts()
    {
        var orders = new TableName("shop", "orders");

        var result = await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = orders, Mode = TableRestoreMode.Replace, DryRun = true });

        result.Plan.Tables.Select(t => t.Table.Quoted).Should().BeEquivalentTo(
            "\"shop\".\"orders_2024\"", "\"shop\".\"orders_2025_eu\"", "\"shop\".\"orders_2025_us\"", "\"Mixed.Schema\".\"orders 2025 other\"", "\"shop\".\"orders_default\"");
        result.Plan.Tables.Should().OnlyContain(t => t.Role == TableRestorePlanTableRole.Partition && t.RowsInBackup > 0 && t.RowsInManifest == t.RowsInBackup);
        result.Plan.RowsInBackup.Should().Be(600, "the backup holds the 600 orders in the partitions, none in the parent");
        result.Plan.Steps.Should().Contain(s => s.Contains("Partition \"shop\".\"orders_2024\": 243 rows in the backup (243 in the manifest)"));
        result.Plan.ReferencingForeignKeys.Should().Contain(f => f.Contains("Order Lines → orders"));
    }

    [Test]
    public async Task RestoreTableAsync_InheritanceParentWithChildren_RestoresBothAndOnlyTheParentWithoutTheOption()
    {
        var documents = new TableName("archive", "documents");
        await ExecuteAsync(_live, "SET session_replication_role = replica; DELETE FROM archive.documents WHERE id IN (1, 2, 101, 201, 301, 401);");
        var damagedChildren = (await ChecksumsAsync(_live)).Where(t => t.Key != documents.Quoted).ToDictionary();

        var parentOnly = await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = documents });

        parentOnly.RowsDeleted.Should().Be(38);
        parentOnly.RowsInserted.Should().Be(40);
        parentOnly.Plan.Steps.Should().Contain(s => s.Contains("(ONLY)") && s.Contains("\"archive\".\"invoices\"") && s.Contains("keep their rows"));
        var afterParent = await ChecksumsAsync(_live);
        afterParent[documents.Quoted].Should().Be(_backup[documents.Quoted]);
        afterParent.Where(t => t.Key != documents.Quoted).Should().Equal(damagedChildren, "without the option the children are not touched");

        var withChildren = await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = documents, IncludeChildren = true });

        withChildren.Plan.Tables.Select(t => t.Table.Name).Should().BeEquivalentTo("documents", "invoices", "Paid Invoices", "tagged_notes", "memos");
        withChildren.RowsInserted.Should().Be(170);
        (await ChecksumsAsync(_live)).Should().Equal(_backup);
    }

    [Test]
    public async Task RestoreTableAsync_ManifestDisagreesWithTheDump_AbortsBeforeDeletingAnything()
    {
        var film = new TableName("public", "film");
        await ExecuteAsync(_live, "SET session_replication_role = replica; DELETE FROM public.film WHERE film_id > 195;");
        var before = await ChecksumsAsync(_live);
        await using var host = new DbResilienceBuilder().UsePostgreSql(_live).UseFileSystemStorage(_storage).Build();
        var backups = host.GetRequiredService<IBackupService>();
        var manifest = await backups.GetAsync("latest");
        var altered = Inknowing.DbResilience.PostgreSql.Restore.RestoreSources.FromManifest(
            manifest with { Tables = manifest.Tables.Select(t => t.Name == "film" ? t with { Rows = t.Rows + 5 } : t).ToList() }, backups);

        var restore = () => Restorer(_live).RestoreAsync(altered, new TableRestoreRequest { Table = film });

        var error = (await restore.Should().ThrowAsync<RestoreException>()).Which;
        error.Message.Should().Contain("holds 200 rows of \"public\".\"film\" but its manifest recorded 205").And.Contain("Nothing was changed");
        error.NothingChanged.Should().BeTrue();
        (await ChecksumsAsync(_live)).Should().Equal(before);
        await _host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = film });
    }

    [Test]
    public async Task RestoreTableAsync_PartitionsChangedSinceTheBackup_RefusesNamingThem()
    {
        var payment = new TableName("public", "payment");
        var copy = await CopyAsync("trfparts");
        try
        {
            await ExecuteAsync(copy, "ALTER TABLE public.payment DETACH PARTITION public.payment_p2022_07; CREATE TABLE public.payment_p2022_08 PARTITION OF public.payment FOR VALUES FROM ('2022-08-01 00:00:00+00') TO ('2022-09-01 00:00:00+00');");
            var before = await ChecksumsAsync(copy);
            await using var host = BackupTestDatabase.BuildHost(copy, [_storage]);

            var restore = () => host.GetRequiredService<IRestoreService>().RestoreTableAsync(new TableRestoreRequest { Table = payment });

            (await restore.Should().ThrowAsync<RestoreException>()).Which.Message.Should()
                .Contain("partitions of \"public\".\"payment\" changed").And.Contain("only in the backup: \"public\".\"payment_p2022_07\"")
                .And.Contain("only in the live database: \"public\".\"payment_p2022_08\"");
            (await ChecksumsAsync(copy)).Should().Equal(before);
        }
        finally
        {
            await DropDatabaseAsync(new NpgsqlConnectionStringBuilder(copy).Database!);
        }
    }

    [Test]
    public async Task RestoreTableCommand_NewTableWithQuotedSchemaAndName_CreatesItThereAndRefusalExitsOne()
    {
        var (exitCode, output, error) = await RunCliAsync(
            "restore-table", "latest", "--table", "\"Mixed.Schema\".\"Order Lines\"", "--mode", "new:\"Mixed.Schema\".\"Order Lines Copy\"");

        exitCode.Should().Be(0, error);
        output.Should().Contain("into \"Mixed.Schema\".\"Order Lines Copy\"");
        (await ScalarAsync<long>(_liveForNewTables, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'Mixed.Schema' AND c.relname = 'Order Lines Copy'")).Should().Be(1);
        (await ChecksumsAsync(_liveForNewTables))["\"Mixed.Schema\".\"Order Lines Copy\""].Should().Be(_backup["\"Mixed.Schema\".\"Order Lines\""]);
        await ExecuteAsync(_liveForNewTables, "DROP TABLE \"Mixed.Schema\".\"Order Lines Copy\"");

        var refused = await RunCliAsync("restore-table", "latest", "--table", "shop.page_views", "--mode", "append");

        refused.ExitCode.Should().Be(1);
        refused.Error.Should().Contain("no primary key");
    }

    private Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] arguments)
        => CliProcess.RunAsync(_liveForNewTables, [.. arguments, "--storage", new Uri(_storage).AbsoluteUri]);

    private async Task<string> CopyAsync(string prefix)
    {
        var name = NewDatabaseName(prefix);
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {name} TEMPLATE \"{new NpgsqlConnectionStringBuilder(_source).Database}\"");
        return WithDatabase(_source, name);
    }

    private static Inknowing.DbResilience.PostgreSql.Restore.TableRestorer Restorer(string live)
        => new(
            Microsoft.Extensions.Options.Options.Create(new Inknowing.DbResilience.PostgreSql.PostgreSqlOptions { ConnectionString = live }),
            Microsoft.Extensions.Options.Options.Create(new Inknowing.DbResilience.PostgreSql.Restore.RestoreOptions()),
            PgRestore(live),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Inknowing.DbResilience.PostgreSql.Restore.TableRestorer>.Instance);

    /// <summary>
    /// Deletes three rows of the table and changes three others (a text column that no index covers), or adds a row to a
    /// table that has none of its own, with triggers and foreign keys suspended so that nothing but the table changes.
    /// A partitioned table is changed through its partitions.
    /// </summary>
    private static async Task DamageAsync(string connectionString, TableName table, bool change)
    {
        var only = await ScalarAsync<bool>(connectionString, $"SELECT relkind = 'r' FROM pg_class WHERE oid = '{Literal(table.Quoted)}'::regclass") ? "ONLY " : string.Empty;
        var pick = $"SELECT tableoid, ctid FROM {only}{table.Quoted} ORDER BY tableoid, ctid";
        var sql = $"SET session_replication_role = replica; DELETE FROM {only}{table.Quoted} WHERE (tableoid, ctid) IN ({pick} LIMIT 3);";
        if (change && await ScalarAsync<long>(connectionString, $"SELECT count(*) FROM {only}{table.Quoted}") == 0)
        {
            // A parent whose rows all live in its children (archive.taggable): a row of its own that the backup does not have.
            sql += $"INSERT INTO {table.Quoted} DEFAULT VALUES;";
        }

        var column = await ScalarAsync<object>(connectionString, $"""
            SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = '{Literal(table.Quoted)}'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
              AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
              AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY (i.indkey::int2[]))
            ORDER BY a.attnum LIMIT 1
            """);
        if (change && column is string name)
        {
            var quoted = TableName.QuoteIdentifier(name);
            sql += $"UPDATE {only}{table.Quoted} SET {quoted} = coalesce({quoted}, '') || '!' WHERE (tableoid, ctid) IN ({pick} LIMIT 3);";
        }

        await ExecuteAsync(connectionString, sql);
    }

    private static Task<bool> HasRowKeyAsync(string connectionString, TableName table)
        => ScalarAsync<bool>(connectionString, $"""
            SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = '{Literal(table.Quoted)}'::regclass AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL)
            """);

    /// <summary>
    /// An order-independent digest of each table's own rows (a partitioned table's: all its partitions'), keyed by quoted
    /// name; rows as JSON objects, so that columns are matched by name.
    /// </summary>
    private static async Task<Dictionary<string, string>> ChecksumsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<(string Name, bool Partitioned)>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT format('%I.%I', n.nspname, c.relname), c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'dbresilience') AND n.nspname NOT LIKE 'pg\_%'
              AND NOT (n.nspname = 'dbresilience' AND c.relname = 'backup_history')
            ORDER BY 1
            """,
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetBoolean(1)));
            }
        }

        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        if (tables.Count == 0)
        {
            return checksums;
        }

        // One round trip for every table's digest (a statement each, in one batch).
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (name, partitioned) in tables)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"SELECT count(*) || ':' || coalesce(md5(string_agg(to_jsonb(t)::text, ',' ORDER BY to_jsonb(t)::text)), '') FROM {(partitioned ? string.Empty : "ONLY ")}{name} t"));
        }

        await using var digests = await batch.ExecuteReaderAsync();
        foreach (var (name, _) in tables)
        {
            (await digests.ReadAsync()).Should().BeTrue();
            checksums[TableName.Parse(name).Quoted] = digests.GetString(0);
            await digests.NextResultAsync();
        }

        return checksums;
    }

    private static string Literal(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
