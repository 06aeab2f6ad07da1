using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Integrity;

public sealed class IntegrityCheckerTests
{
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase()
    {
        _connectionString = await TestServers.CreateDatabaseAsync("integrity");
        await ExecuteAsync(""""
            CREATE SCHEMA "Mixed Schema";
            CREATE TABLE "Mixed Schema"."Pärent ""One""" (a int, b text, PRIMARY KEY (a, b));
            CREATE TABLE "Mixed Schema".child (id int PRIMARY KEY, a int, b text,
                CONSTRAINT "child → parent" FOREIGN KEY (a, b) REFERENCES "Mixed Schema"."Pärent ""One""" (a, b));
            CREATE TABLE public.clean_parent (id int PRIMARY KEY);
            CREATE TABLE public.clean_child (id int PRIMARY KEY, parent_id int REFERENCES public.clean_parent (id));
            INSERT INTO "Mixed Schema"."Pärent ""One""" VALUES (1, 'x'), (2, 'y');
            INSERT INTO "Mixed Schema".child VALUES (1, 1, 'x'), (2, NULL, 'zz');
            INSERT INTO public.clean_parent SELECT generate_series(1, 10);
            INSERT INTO public.clean_child SELECT i, i FROM generate_series(1, 10) i;
            ALTER TABLE "Mixed Schema".child DISABLE TRIGGER ALL;
            INSERT INTO "Mixed Schema".child VALUES (3, 1, 'nope'), (4, 9, 'x');
            ALTER TABLE "Mixed Schema".child ENABLE TRIGGER ALL;
            """");
    }

    [Test]
    public async Task CheckAsync_ForeignKeyWithOrphans_ReportsErrorNamingTheConstraintAndCount()
    {
        var report = await CreateChecker().CheckAsync();

        var orphans = report.Checks.Single(c => c.Name == "orphaned_rows");
        orphans.Status.Should().Be(IntegrityStatus.Error);
        orphans.Details.Should().ContainSingle()
            .Which.Should().Contain("\"Mixed Schema\".\"child\"(\"a\", \"b\")")
            .And.Contain("\"Mixed Schema\".\"Pärent \"\"One\"\"\"")
            .And.Contain("\"child → parent\"")
            .And.Contain("2 orphaned rows");
        orphans.Summary.Should().Contain("2 orphaned rows in 1 of 2 foreign keys");
        report.Passed.Should().BeFalse();
        report.Status.Should().Be(IntegrityStatus.Error);
    }

    [Test]
    public async Task CheckAsync_Tables_CountsRowsOfEveryTable()
    {
        var report = await CreateChecker().CheckAsync();

        report.TableRowCounts.Should().Contain("\"Mixed Schema\".\"child\"", 4)
            .And.Contain("\"Mixed Schema\".\"Pärent \"\"One\"\"\"", 2)
            .And.Contain("\"public\".\"clean_child\"", 10);
        report.Checks.Single(c => c.Name == "row_counts").Status.Should().Be(IntegrityStatus.Ok);
    }

    [Test]
    public async Task CheckAsync_AmcheckMissingAndNotAllowed_WarnsWithTheFix()
    {
        await ExecuteAsync("DROP EXTENSION IF EXISTS amcheck");

        var report = await CreateChecker().CheckAsync();

        var btree = report.Checks.Single(c => c.Name == "btree_indexes");
        btree.Status.Should().Be(IntegrityStatus.Warning);
        btree.Summary.Should().Contain("CREATE EXTENSION amcheck");
    }

    [Test]
    public async Task CheckAsync_AmcheckAllowed_VerifiesEveryBTreeIndex()
    {
        var report = await CreateChecker(o => o.AllowCreateAmcheckExtension = true).CheckAsync();

        var btree = report.Checks.Single(c => c.Name == "btree_indexes");
        btree.Status.Should().Be(IntegrityStatus.Ok);
        btree.Summary.Should().StartWith("4 B-tree indexes verified");
        await ExecuteAsync("DROP EXTENSION IF EXISTS amcheck");
    }

    [Test]
    public async Task CheckAsync_InvalidIndex_Warns()
    {
        await ExecuteAsync("""
            CREATE INDEX broken_idx ON public.clean_child (parent_id);
            UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.broken_idx'::regclass;
            """);
        try
        {
            var report = await CreateChecker().CheckAsync();

            var invalid = report.Checks.Single(c => c.Name == "invalid_indexes");
            invalid.Status.Should().Be(IntegrityStatus.Warning);
            invalid.Details.Should().ContainSingle().Which.Should().Contain("\"public\".\"broken_idx\"").And.Contain("REINDEX");
        }
        finally
        {
            await ExecuteAsync("DROP INDEX public.broken_idx");
        }
    }

    [Test]
    public async Task CheckAsync_ChecksumsAndReplication_ReportOk()
    {
        var report = await CreateChecker().CheckAsync();

        report.Checks.Single(c => c.Name == "checksum_failures").Status.Should().Be(IntegrityStatus.Ok);
        report.Checks.Single(c => c.Name == "replication_lag").Status.Should().NotBe(IntegrityStatus.Error);
    }

    internal static IIntegrityChecker CreateChecker(string connectionString, Action<IntegrityCheckOptions>? configure = null)
    {
        var options = new IntegrityCheckOptions();
        configure?.Invoke(options);
        return new PostgreSqlIntegrityChecker(
            Options.Create(new PostgreSqlOptions { ConnectionString = connectionString }),
            Options.Create(options),
            TimeProvider.System,
            NullLogger<PostgreSqlIntegrityChecker>.Instance);
    }

    private IIntegrityChecker CreateChecker(Action<IntegrityCheckOptions>? configure = null) => CreateChecker(_connectionString, configure);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
