using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.Restore;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

public sealed class PgRestoreStrategyTests
{
    private string _source = null!;
    private string _directory = null!;
    private RestoreSource _dump = null!;
    private Dictionary<string, string> _expected = null!;

    [OneTimeSetUp]
    public async Task CreateSourceAndDump()
    {
        _source = await TestServers.CreateDatabaseAsync("restoresrc");
        await ExecuteAsync(_source, """"
            CREATE SCHEMA "Ünïcode Schema";
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE public.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, mood mood, tags text[], payload jsonb);
            CREATE TABLE "Ünïcode Schema"."Order ""Lines""" (id int PRIMARY KEY, item_id bigint REFERENCES public.items (id), qty numeric(10, 2));
            INSERT INTO public.items (name, mood, tags, payload)
                SELECT 'item ' || i, (ARRAY['sad', 'ok', 'happy'])[1 + i % 3]::mood, ARRAY['a' || i, 'b'], jsonb_build_object('i', i, 'q', 'quote''s')
                FROM generate_series(1, 2000) i;
            INSERT INTO "Ünïcode Schema"."Order ""Lines""" SELECT i, 1 + i % 2000, i / 7.0 FROM generate_series(1, 5000) i;
            """");
        _directory = Directory.CreateTempSubdirectory("dbresilience-restore-tests").FullName;
        _dump = await DumpAsync(_source, Path.Combine(_directory, "data.dump"));
        _expected = await TableChecksumsAsync(_source);
    }

    [OneTimeTearDown]
    public void DeleteFiles() => Directory.Delete(_directory, recursive: true);

    [TestCase(1)]
    [TestCase(2)]
    public async Task RestoreAsync_NewDatabase_MatchesSourceRowForRow(int jobs)
    {
        var target = NewDatabaseName("restored");
        try
        {
            var result = await PgRestore(_source).RestoreAsync(_dump, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, Jobs = jobs });

            (await TableChecksumsAsync(WithDatabase(_source, target))).Should().Equal(_expected);
            _expected.Should().HaveCount(2);
            result.Jobs.Should().Be(jobs);
            result.Sha256.Should().Be(_dump.Sha256);
            result.ReplacedExisting.Should().BeFalse();
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_ExistingDatabaseWithoutForce_RefusesAndChangesNothing()
    {
        var target = NewDatabaseName("existing");
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {target}");
        await ExecuteAsync(WithDatabase(_source, target), "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (42);");
        try
        {
            var restore = () => PgRestore(_source).RestoreAsync(_dump, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target });

            var error = (await restore.Should().ThrowAsync<RestoreException>()).Which;
            error.NothingChanged.Should().BeTrue();
            error.Message.Should().Contain(target).And.Contain("--force");
            (await ScalarAsync<int>(WithDatabase(_source, target), "SELECT id FROM keep_me")).Should().Be(42);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_ExistingDatabaseWithForce_ReplacesItWithTheBackup()
    {
        var target = NewDatabaseName("forced");
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {target}");
        await ExecuteAsync(WithDatabase(_source, target), "CREATE TABLE stray (id int); INSERT INTO stray VALUES (1);");
        try
        {
            var result = await PgRestore(_source).RestoreAsync(_dump, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, Force = true, Jobs = 2 });

            result.ReplacedExisting.Should().BeTrue();
            (await TableChecksumsAsync(WithDatabase(_source, target))).Should().Equal(_expected);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task RestoreAsync_CorruptedBackup_RefusesBeforeTouchingAnything(int jobs)
    {
        var corrupted = Path.Combine(_directory, $"corrupted-{jobs}.dump");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(_directory, "data.dump"));
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(corrupted, bytes);
        var source = SourceFor(corrupted, "20261122T000000Z-manual-bad1", RestoreSourceFormat.Custom, sha256: _dump.Sha256);
        var target = NewDatabaseName("corrupt");

        var restore = () => PgRestore(_source).RestoreAsync(source, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, Jobs = jobs });

        var error = (await restore.Should().ThrowAsync<RestoreException>()).Which;
        error.Message.Should().Contain("corrupted").And.Contain(_dump.Sha256).And.Contain("20261122T000000Z-manual-bad1");
        error.NothingChanged.Should().BeTrue();
        (await ScalarAsync<bool>(TestServers.PostgreSqlConnectionString, $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{target}')"))
            .Should().BeFalse("a corrupted backup must be refused before the target database is created");
    }

    [Test]
    public async Task RestoreAsync_CorruptedBackupOverExistingWithForce_LeavesTheDatabaseIntact()
    {
        var corrupted = Path.Combine(_directory, "corrupted-force.dump");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(_directory, "data.dump"));
        bytes[100] ^= 0x01;
        await File.WriteAllBytesAsync(corrupted, bytes);
        var source = SourceFor(corrupted, "20261122T000000Z-manual-bad2", RestoreSourceFormat.Custom, sha256: _dump.Sha256);
        var target = NewDatabaseName("intact");
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {target}");
        await ExecuteAsync(WithDatabase(_source, target), "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (7);");
        try
        {
            var restore = () => PgRestore(_source).RestoreAsync(source, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, Force = true });

            (await restore.Should().ThrowAsync<RestoreException>()).Which.NothingChanged.Should().BeTrue();
            (await ScalarAsync<int>(WithDatabase(_source, target), "SELECT id FROM keep_me")).Should().Be(7);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_SelectedTableSchemaOnly_RestoresDefinitionWithoutRows()
    {
        var target = NewDatabaseName("selective");
        try
        {
            var request = new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, SchemaOnly = true };
            request.Tables.Add(new TableName("public", "items"));
            await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {target}");
            await ExecuteAsync(WithDatabase(_source, target), "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');");
            request.Force = true;

            await PgRestore(_source).RestoreAsync(_dump, request);

            var tables = await TableChecksumsAsync(WithDatabase(_source, target));
            tables.Should().ContainKey("public.items").WhoseValue.Should().StartWith("0:");
            tables.Should().HaveCount(1);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_SelectedQuotedTableDataOnly_LoadsItsRowsOnly()
    {
        var target = NewDatabaseName("dataonly");
        try
        {
            var schema = new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, SchemaOnly = true };
            await PgRestore(_source).RestoreAsync(_dump, schema);
            var data = new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target, DataOnly = true, Force = true };
            data.Tables.Add(TableName.Parse("\"Ünïcode Schema\".\"Order \"\"Lines\"\"\""));
            await ExecuteAsync(WithDatabase(_source, target), "ALTER TABLE \"Ünïcode Schema\".\"Order \"\"Lines\"\"\" DROP CONSTRAINT \"Order \"\"Lines\"\"_item_id_fkey\"");

            await PgRestore(_source).RestoreAsync(_dump, data);

            var tables = await TableChecksumsAsync(WithDatabase(_source, target));
            tables["\"Ünïcode Schema\".\"Order \"\"Lines\"\"\""].Should().Be(_expected["\"Ünïcode Schema\".\"Order \"\"Lines\"\"\""]);
            tables["public.items"].Should().StartWith("0:");
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreAsync_PlainBackup_MatchesSource()
    {
        var plain = await DumpAsync(_source, Path.Combine(_directory, "data.sql"), "p");
        var target = NewDatabaseName("plain");
        try
        {
            await Psql(_source).RestoreAsync(plain, new RestoreRequest { TargetConnectionString = _source, TargetDatabase = target });

            (await TableChecksumsAsync(WithDatabase(_source, target))).Should().Equal(_expected);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }
}
