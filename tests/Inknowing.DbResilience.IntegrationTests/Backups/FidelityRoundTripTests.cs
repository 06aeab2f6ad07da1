using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Fixtures;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Npgsql;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>
/// The fidelity fixture through backup and restore: every table's rows, the schema as pg_dump sees it, the large objects
/// and the database's own settings, comment, owner and privileges come back as they were.
/// </summary>
public sealed class FidelityRoundTripTests
{
    private const string Rows = """
        INSERT INTO public.language (name) VALUES ('English'), ('Français');
        INSERT INTO public.actor (first_name, last_name) SELECT 'First' || g, 'Last' || g FROM generate_series(1, 200) g;
        INSERT INTO public.category (name) SELECT 'Category ' || g FROM generate_series(1, 16) g;
        INSERT INTO public.film (title, description, release_year, language_id, length, rating, special_features, fulltext)
            SELECT 'Film ' || g, 'A film about number ' || g, 2000 + g % 20, 1 + g % 2, 60 + g % 120,
                   (ARRAY['G','PG','PG-13','R','NC-17'])[1 + g % 5]::public.mpaa_rating, ARRAY['Trailers'], to_tsvector('english', 'Film ' || g)
            FROM generate_series(1, 1000) g;
        INSERT INTO public.film_actor (actor_id, film_id) SELECT 1 + g % 200, g FROM generate_series(1, 1000) g;
        INSERT INTO public.film_category (film_id, category_id) SELECT g, 1 + g % 16 FROM generate_series(1, 1000) g;
        INSERT INTO public.country (country) SELECT 'Country ' || g FROM generate_series(1, 50) g;
        INSERT INTO public.city (city, country_id) SELECT 'City ' || g, 1 + g % 50 FROM generate_series(1, 300) g;
        INSERT INTO public.address (address, district, city_id, phone) SELECT g || ' Main Street', 'District', 1 + g % 300, '555-0100' FROM generate_series(1, 600) g;
        """;

    private const string Reader = "dbr_fidelity_reader";

    private string _source = null!;
    private string _storage = null!;

    [OneTimeSetUp]
    public async Task CreateSourceWithDatabasePropertiesAndBackUp()
    {
        _source = await FidelityFixture.CreateAsync("fidelity");
        var database = new NpgsqlConnectionStringBuilder(_source).Database!;
        await BackupTestDatabase.ExecuteAsync(TestServers.PostgreSqlConnectionString, $"""
            DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Reader}') THEN CREATE ROLE {Reader}; END IF; END $$;
            ALTER DATABASE "{database}" SET work_mem = '7MB';
            ALTER DATABASE "{database}" SET search_path = shop, public;
            ALTER ROLE {Reader} IN DATABASE "{database}" SET statement_timeout = '5s';
            COMMENT ON DATABASE "{database}" IS 'the fidelity fixture''s database';
            REVOKE CONNECT ON DATABASE "{database}" FROM PUBLIC;
            GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {Reader};
            """);
        _storage = BackupTestDatabase.NewStorageDirectory();
        await using var host = BackupTestDatabase.BuildHost(_source, [_storage]);
        await host.GetRequiredService<IBackupService>().CreateAsync();
    }

    [OneTimeTearDown]
    public void DeleteStorage() => Directory.Delete(_storage, recursive: true);

    [TestCase(BackupFormat.Custom)]
    [TestCase(BackupFormat.Directory)]
    public async Task VerifyAsync_FixtureSchemaWithRows_RestoresEveryTableWithTheSameRowCounts(BackupFormat format)
    {
        var connectionString = await TestServers.CreateDatabaseAsync("fidelityrows");
        await FidelityFixture.LoadAsync(connectionString, FidelityFixture.SchemaFile);
        await BackupTestDatabase.ExecuteAsync(connectionString, Rows);
        var storage = BackupTestDatabase.NewStorageDirectory();
        try
        {
            await using var host = BackupTestDatabase.BuildHost(connectionString, [storage]);
            var service = host.GetRequiredService<IBackupService>();

            var created = await service.CreateAsync(new BackupRequest { Format = format });
            var report = await service.VerifyAsync(created.Manifest.Id, restoreTest: true);

            report.Problems.Should().BeEmpty();
            report.TablesCompared.Should().BeGreaterThan(20, "the fixture has dozens of tables and partitions");
            created.Manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "public", Name = "film", Rows = 1000, DataIncluded = true });
            created.Manifest.Tables.Should().Contain(t => t.Name == "payment_p2022_01");
            created.Manifest.RowCountSource.Should().Be(format == BackupFormat.Custom ? "archive" : "count", "the custom format is compressed while streaming and counted on the way");
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Test]
    public async Task RestoreAsync_WholeDatabase_MatchesTheSourceInRowsSchemaLargeObjectsAndDatabaseProperties()
    {
        var target = NewDatabaseName("fidelityrt");
        var restored = WithDatabase(_source, target);
        try
        {
            await using var host = BackupTestDatabase.BuildHost(_source, [_storage]);
            await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = target });

            var expected = await TableChecksumsAsync(_source);
            var actual = await TableChecksumsAsync(restored);
            actual.Keys.Should().BeEquivalentTo(expected.Keys);
            actual.Where(t => t.Key != "dbresilience.backup_history").Should().Equal(expected.Where(t => t.Key != "dbresilience.backup_history"));
            (await ColumnsAsync(restored)).Should().Equal(await ColumnsAsync(_source));
            (await SchemaAsync(restored)).Should().Be(await SchemaAsync(await RestoreByHandAsync()), "the restore is as faithful as pg_dump -Fc and pg_restore by hand");
            (await LargeObjectsAsync(restored)).Should().Be(await LargeObjectsAsync(_source)).And.Contain("917003:");
            var properties = await DatabasePropertiesAsync(restored);
            properties.Should().Be(await DatabasePropertiesAsync(_source));
            properties.Should().Contain("work_mem=7MB").And.Contain("search_path=shop, public").And.Contain($"{Reader}: statement_timeout=5s")
                .And.Contain("the fidelity fixture's database").And.Contain($"{Reader}=Tc/");
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_SkipDatabaseProperties_LeavesSettingsCommentAndPrivilegesOut()
    {
        var target = NewDatabaseName("fidelitynp");
        var restored = WithDatabase(_source, target);
        try
        {
            await using var host = BackupTestDatabase.BuildHost(_source, [_storage]);
            await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = target, Jobs = 2, SkipDatabaseProperties = true });

            var properties = await DatabasePropertiesAsync(restored);
            properties.Should().NotContain("work_mem").And.NotContain("statement_timeout").And.NotContain("fidelity fixture").And.NotContain(Reader);
            (await TableChecksumsAsync(restored))["public.film"].Should().Be((await TableChecksumsAsync(_source))["public.film"]);
            (await ScalarAsync<long>(restored, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")).Should().Be(0, "parallel workers must not leave a partitioned primary key invalid");
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task CreateAsync_CatalogTables_KeepTheirStructureButNotTheirHalfWrittenRows()
    {
        await using var host = BackupTestDatabase.BuildHost(_source, [_storage]);
        var manifest = await host.GetRequiredService<IBackupService>().GetAsync("latest");
        var target = NewDatabaseName("fidelitycat");
        try
        {
            await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { BackupId = manifest.Id, TargetDatabase = target });

            (await ScalarAsync<long>(_source, $"SELECT count(*) FROM dbresilience.backup_history WHERE backup_id = '{manifest.Id}' AND status = 'completed'")).Should().Be(1);
            (await ScalarAsync<long>(WithDatabase(_source, target), "SELECT count(*) FROM dbresilience.backup_history")).Should().Be(0, "a backup must not hold its own catalog row, written as 'running' before the snapshot");
            manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "dbresilience", Name = "backup_history", Rows = 0, DataIncluded = false }, o => o.Excluding(t => t.Rows));
            manifest.Tables.Should().Contain(t => t.Name == "film" && t.DataIncluded);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    /// <summary>
    /// The source restored by hand with pg_dump -Fc and pg_restore: the reference for the schema, because pg_dump puts an
    /// inheritance child's columns in its parent's order (archive.memos), so no restore keeps the source's column order.
    /// </summary>
    private async Task<string> RestoreByHandAsync()
    {
        var file = Path.Combine(_storage, "by-hand.dump");
        await DumpAsync(_source, file);
        var target = await TestServers.CreateDatabaseAsync("byhand");
        var builder = new NpgsqlConnectionStringBuilder(target);
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_restore", null));
        LibpqConnection.Apply(start, builder);
        start.Arguments.AddRange(["--exit-on-error", "--dbname=" + builder.Database, file]);
        await ToolProcess.RunAsync(start, CancellationToken.None);
        return target;
    }

    /// <summary>
    /// Every column of every table with its type, default and NOT NULL, by name (not by position), with every name
    /// schema-qualified (the database's own search_path setting would change how types print).
    /// </summary>
    private static async Task<List<string>> ColumnsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var set = new NpgsqlCommand("SET search_path = pg_catalog", connection))
        {
            await set.ExecuteNonQueryAsync();
        }

        var columns = new List<string>();
        await using var command = new NpgsqlCommand(
            """
            SELECT format('%I.%I.%I %s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                          a.attgenerated, coalesce(pg_get_expr(d.adbin, d.adrelid), ''))
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'dbresilience') AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY n.nspname, c.relname, a.attname
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    /// <summary>pg_dump --schema-only of a database, without psql's \restrict lines (random per run) and the recovery_history restores add.</summary>
    private static async Task<string> SchemaAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_dump", null));
        LibpqConnection.Apply(start, builder);
        start.Arguments.AddRange(["--schema-only", "--exclude-schema=dbresilience", "--dbname=" + builder.Database]);
        var dump = await ToolProcess.RunAsync(start, CancellationToken.None);
        return string.Join('\n', dump.Split('\n').Where(l => !l.StartsWith("\\restrict", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    private static Task<string> LargeObjectsAsync(string connectionString)
        => ScalarAsync<string>(connectionString, "SELECT coalesce(string_agg(oid || ':' || md5(lo_get(oid)), ',' ORDER BY oid), '') FROM pg_largeobject_metadata");

    /// <summary>The database's settings (per role too), comment, owner and privileges, as one comparable text.</summary>
    private static Task<string> DatabasePropertiesAsync(string connectionString)
        => ScalarAsync<string>(connectionString, """
            SELECT concat_ws(E'\n',
                (SELECT string_agg(coalesce(r.rolname, '*') || ': ' || array_to_string(s.setconfig, ','), E'\n' ORDER BY r.rolname NULLS FIRST)
                 FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = d.oid),
                'comment: ' || coalesce(shobj_description(d.oid, 'pg_database'), ''),
                'owner: ' || pg_get_userbyid(d.datdba),
                'acl: ' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(d.datacl) x), ''))
            FROM pg_database d WHERE d.datname = current_database()
            """);
}
