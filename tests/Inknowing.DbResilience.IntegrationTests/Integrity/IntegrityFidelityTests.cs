using Inknowing.DbResilience.IntegrationTests.Fixtures;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Npgsql;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Integrity;

/// <summary>
/// The integrity checks on the fidelity fixture: foreign keys checked as PostgreSQL defines them on inheritance parents
/// and partitioned tables, and advice for invalid indexes that repairs them.
/// </summary>
public sealed class IntegrityFidelityTests
{
    private string _fixture = null!;

    [OneTimeSetUp]
    public async Task CreateFixture() => _fixture = await FidelityFixture.CreateAsync("integrityfx");

    [Test]
    public async Task CheckAsync_PristineFixture_ReportsNothing()
    {
        var copy = await CopyAsync();

        var report = await Checker(copy).CheckAsync();

        report.Checks.Where(c => c.Name != "replication_lag").Should().OnlyContain(c => c.Status == IntegrityStatus.Ok, string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Summary}")));
        report.Checks.Single(c => c.Name == "orphaned_rows").Summary.Should().Contain("no orphaned rows");
        report.TableRowCounts.Should().Contain("\"archive\".\"invoices\"", 60).And.Contain("\"archive\".\"documents\"", 40).And.Contain("\"shop\".\"orders_2024\"", 243);
    }

    [Test]
    public async Task CheckAsync_OrphansOnInheritanceParents_FoundWhereTheForeignKeyAppliesOnly()
    {
        var copy = await CopyAsync();
        await ExecuteAsync(copy, """
            SET session_replication_role = replica;
            INSERT INTO archive.documents (id, title, author_id) VALUES (41, 'orphan', 888888);
            INSERT INTO archive.invoices (id, title, author_id, amount) VALUES (161, 'not covered by the parent''s key', 888888, 1);
            INSERT INTO archive.document_links (id, document_id, url) VALUES (81, 101, 'a link to a row that only a child holds');
            """);

        var report = await Checker(copy).CheckAsync();

        var orphans = report.Checks.Single(c => c.Name == "orphaned_rows");
        orphans.Status.Should().Be(IntegrityStatus.Error);
        orphans.Details.Should().HaveCount(2);
        orphans.Details.Should().ContainSingle(d => d.Contains("documents_author_id_fkey") && d.Contains(": 1 orphaned rows, e.g. 888888"));
        orphans.Details.Should().ContainSingle(d => d.Contains("document_links_document_id_fkey") && d.Contains(": 1 orphaned rows, e.g. 101"));
    }

    [Test]
    public async Task CheckAsync_InvalidPartitionedIndex_AdvisesCreatingAndAttachingPartitionIndexesWhichMakesItValid()
    {
        var copy = await CopyAsync();
        await ExecuteAsync(copy, "CREATE INDEX \"Orders total\" ON ONLY shop.orders (total DESC) WHERE total > 0;");

        var before = (await Checker(copy).CheckAsync()).Checks.Single(c => c.Name == "invalid_indexes");

        before.Status.Should().Be(IntegrityStatus.Warning);
        var advice = before.Details.Should().ContainSingle().Which;
        advice.Should().Contain("partitioned index").And.Contain("ATTACH PARTITION").And.NotContain("REINDEX INDEX");
        foreach (var statement in advice[(advice.IndexOf("run: ", StringComparison.Ordinal) + 5)..].Split("; ").Select(s => s.TrimEnd(';')))
        {
            // One by one, as psql runs them: CREATE INDEX CONCURRENTLY refuses to run in a batch.
            await ExecuteAsync(copy, statement);
        }

        (await Checker(copy).CheckAsync()).Checks.Single(c => c.Name == "invalid_indexes").Status.Should().Be(IntegrityStatus.Ok);
        (await ScalarAsync<bool>(copy, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'shop.\"Orders total\"'::regclass")).Should().BeTrue();
    }

    [Test]
    public async Task CheckAsync_InvalidPlainIndex_AdvisesReindexConcurrently()
    {
        var copy = await CopyAsync();
        var create = () => ExecuteAsync(copy, "CREATE UNIQUE INDEX CONCURRENTLY page_views_path ON shop.page_views (path);");
        await create.Should().ThrowAsync<PostgresException>();

        var check = (await Checker(copy).CheckAsync()).Checks.Single(c => c.Name == "invalid_indexes");

        check.Details.Should().ContainSingle().Which.Should().Contain("\"shop\".\"page_views_path\" on \"shop\".\"page_views\" is invalid")
            .And.Contain("run: REINDEX INDEX CONCURRENTLY \"shop\".\"page_views_path\";");
    }

    private async Task<string> CopyAsync()
    {
        var name = NewDatabaseName("integrityfx");
        await ExecuteAsync(TestServers.PostgreSqlConnectionString, $"CREATE DATABASE {name} TEMPLATE \"{new NpgsqlConnectionStringBuilder(_fixture).Database}\"");
        return WithDatabase(_fixture, name);
    }

    private static IIntegrityChecker Checker(string connectionString)
        => IntegrityCheckerTests.CreateChecker(connectionString, o => o.AllowCreateAmcheckExtension = true);
}
