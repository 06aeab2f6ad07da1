using Inknowing.DbResilience.IntegrationTests.Fixtures;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

public sealed class TableRestorerTests
{
    private static readonly TableName Film = new("public", "film");
    private static readonly TableName Notes = new("public", "Fïlm Notes \"Q\"");
    private string _source = null!;
    private string _directory = null!;
    private RestoreSource _dump = null!;
    private Dictionary<string, string> _expected = null!;
    private string _live = null!;

    [OneTimeSetUp]
    public async Task CreatePagilaAndDump()
    {
        _source = await FidelityFixture.CreateAsync("tablesrc");
        _directory = Directory.CreateTempSubdirectory("dbresilience-table-tests").FullName;
        _dump = await DumpAsync(_source, Path.Combine(_directory, "data.dump"), backupId: "20261122T000000Z-daily-pgla");
        _expected = await TableChecksumsAsync(_source);
    }

    [OneTimeTearDown]
    public void DeleteFiles() => Directory.Delete(_directory, recursive: true);

    [SetUp]
    public async Task CreateLiveCopy()
    {
        var live = NewDatabaseName("live");
        var source = new Npgsql.NpgsqlConnectionStringBuilder(_source).Database!;
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {live} TEMPLATE {source}");
        _live = WithDatabase(_source, live);
    }

    [TearDown]
    public async Task DropLiveCopy() => await DropDatabaseAsync(new Npgsql.NpgsqlConnectionStringBuilder(_live).Database!);

    [Test]
    public async Task RestoreAsync_ReplaceAfterBadUpdate_TableMatchesBackupAndChildrenKept()
    {
        await ExecuteAsync(_live, "UPDATE public.film SET title = 'oops', rental_rate = 0 WHERE film_id <= 120; DELETE FROM public.film WHERE film_id > 190;");

        var result = await Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = Film, Mode = TableRestoreMode.Replace });

        result.Executed.Should().BeTrue();
        result.RowsDeleted.Should().Be(190);
        result.RowsInserted.Should().Be(200);
        var actual = await TableChecksumsAsync(_live);
        actual["public.film"].Should().Be(_expected["public.film"]);
        actual["public.film_actor"].Should().Be(_expected["public.film_actor"]);
        (await ScalarAsync<long>(_live, "SELECT nextval('public.film_film_id_seq')")).Should().BeGreaterThan(200);
    }

    [Test]
    public async Task RestoreAsync_ReplaceThatWouldOrphanChildren_RollsBackAndNamesTheForeignKey()
    {
        await ExecuteAsync(_live, """
            INSERT INTO public.film (film_id, title, language_id, fulltext) VALUES (500, 'NEW FILM', 1, to_tsvector('new'));
            INSERT INTO public.film_actor (actor_id, film_id) VALUES (1, 500);
            UPDATE public.film SET title = 'live edit' WHERE film_id = 1;
            """);
        var before = await TableChecksumsAsync(_live);

        var restore = () => Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = Film, Mode = TableRestoreMode.Replace });

        var error = (await restore.Should().ThrowAsync<RestoreException>()).Which;
        error.Message.Should().Contain("film_actor_film_id_fkey").And.Contain("1 orphaned rows").And.Contain("nothing was committed");
        error.NothingChanged.Should().BeTrue();
        (await TableChecksumsAsync(_live)).Should().Equal(before);
    }

    [Test]
    public async Task RestoreAsync_AppendAfterBadDelete_BringsBackDeletedRowsOnly()
    {
        await ExecuteAsync(_live, "DELETE FROM public.film WHERE film_id BETWEEN 181 AND 200;");

        var result = await Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = Film, Mode = TableRestoreMode.Append });

        result.RowsInserted.Should().Be(20);
        result.RowsSkipped.Should().Be(180);
        (await TableChecksumsAsync(_live))["public.film"].Should().Be(_expected["public.film"]);
    }

    [Test]
    public async Task RestoreAsync_NewTable_CreatesItBesideTheOriginalWithTheBackupRows()
    {
        await ExecuteAsync(_live, "UPDATE public.film SET title = 'changed since backup';");
        var liveFilm = (await TableChecksumsAsync(_live))["public.film"];

        var result = await Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = Film, Mode = TableRestoreMode.NewTable, NewTableName = "Film Restored ✓" });

        result.Plan.TargetTable.Should().Be(new TableName("public", "Film Restored ✓"));
        var actual = await TableChecksumsAsync(_live);
        actual["public.\"Film Restored ✓\""].Should().Be(_expected["public.film"]);
        actual["public.film"].Should().Be(liveFilm);
    }

    [Test]
    public async Task RestoreAsync_DryRun_ReportsPlanWithForeignKeysAndChangesNothing()
    {
        await ExecuteAsync(_live, "DELETE FROM public.film WHERE film_id > 195;");
        var before = await TableChecksumsAsync(_live);

        // Only this dry run's: a table restore killed by another test (the reliability suite) leaves its scratch database.
        const string ScratchDatabases = "SELECT coalesce(string_agg(datname, ',' ORDER BY datname), '') FROM pg_database WHERE datname LIKE 'dbresilience_scratch%'";
        var scratchBefore = await ScalarAsync<string>(TestServers.PostgreSqlConnectionString, ScratchDatabases);

        var result = await Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = Film, Mode = TableRestoreMode.Replace, DryRun = true });

        result.Executed.Should().BeFalse();
        result.Plan.RowsInBackup.Should().Be(200);
        result.Plan.RowsInLive.Should().Be(195);
        result.Plan.ReferencingForeignKeys.Should().Contain(f => f.Contains("film_actor_film_id_fkey")).And.Contain(f => f.Contains("inventory_film_id_fkey"));
        result.Plan.OwnForeignKeys.Should().Contain(f => f.Contains("film_language_id_fkey"));
        result.Plan.Steps.Should().Contain(s => s.Contains("delete its 195 live rows"));
        (await TableChecksumsAsync(_live)).Should().Equal(before);
        (await ScalarAsync<string>(TestServers.PostgreSqlConnectionString, ScratchDatabases)).Should().Be(scratchBefore, "a dry run creates no scratch database");
    }

    [Test]
    public async Task RestoreAsync_QuotedNonAsciiTable_ReplacesItsRows()
    {
        await ExecuteAsync(_live, "DELETE FROM public.\"Fïlm Notes \"\"Q\"\"\" WHERE \"Film Id\" % 2 = 0; UPDATE public.\"Fïlm Notes \"\"Q\"\"\" SET \"Nöte\" = NULL;");

        var result = await Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = TableName.Parse("public.\"Fïlm Notes \"\"Q\"\"\""), Mode = TableRestoreMode.Replace });

        result.Plan.Table.Should().Be(Notes);
        result.Plan.OwnForeignKeys.Should().ContainSingle();
        (await TableChecksumsAsync(_live))["public.\"Fïlm Notes \"\"Q\"\"\""].Should().Be(_expected["public.\"Fïlm Notes \"\"Q\"\"\""]);
    }

    [Test]
    public async Task RestoreAsync_TableMissingFromLive_RefusesWithTheFix()
    {
        var restore = () => Restorer(_live).RestoreAsync(_dump, new TableRestoreRequest { Table = new TableName("public", "no_such_table") });

        (await restore.Should().ThrowAsync<RestoreException>()).Which.Message.Should().Contain("\"public\".\"no_such_table\" does not exist").And.Contain("restore --table");
    }

    private static TableRestorer Restorer(string live)
    {
        var postgreSql = Options.Create(new PostgreSqlOptions { ConnectionString = live });
        var restore = Options.Create(new RestoreOptions());
        return new TableRestorer(postgreSql, restore, PgRestore(live), TimeProvider.System, NullLogger<TableRestorer>.Instance);
    }
}
