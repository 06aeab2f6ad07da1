using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

namespace Inknowing.DbResilience.Tests.PostgreSql.Migrations.Adoption;

public sealed class AdoptionPlannerTests
{
    private const string Users = "CREATE TABLE users (id int);";
    private const string Email = "ALTER TABLE users ADD COLUMN email text;";
    private static readonly DateTimeOffset At = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void Map_SqlFramework_MatchesByVersionAndChecksumKeepsStatusTimesAndRollback()
    {
        var catalog = Catalog(V("1", "create_users", Users), V("2", "add_email", Email + "\n"), V("3", "orders", "CREATE TABLE orders (id int);"), V("4", "invoices", "SELECT 1;"));
        var rows = new[]
        {
            Row("001", "001", "create_users", Sha(Users), rollback: "DROP TABLE users;"),
            Row("002", "002", "add_email", Sha(Email), rollback: "ALTER TABLE users DROP COLUMN email;"),
            Row("003", "003", "orders", Sha("CREATE TABLE orders (id int);"), status: "rolled_back"),
        };

        var plan = AdoptionPlanner.Map(MigrationHistoryFormat.SqlFramework, "public.schema_migrations", rows, catalog, null);

        plan.Entries.Select(e => (e.Version, e.Match, e.Status)).Should().Equal(
            ("1", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.Completed),
            ("2", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.Completed),
            ("3", MigrationAdoptionMatch.Matched, MigrationAdoptionStatus.RolledBack),
            ("4", MigrationAdoptionMatch.NotInHistory, MigrationAdoptionStatus.Pending));
        plan.Records.Select(r => (r.Key, r.Status, r.RollbackSql, r.AppliedAt, r.SourceKey)).Should().Equal(
            ("1", "completed", "DROP TABLE users;", At, "001"),
            ("2", "completed", "ALTER TABLE users DROP COLUMN email;", At, "002"),
            ("3", "rolled_back", null, At, "003"));
        plan.Records[1].Checksum.Should().Be(catalog.Migrations[1].Checksum, "a file that differs only by a final newline is the script that ran");
        plan.Records.Should().OnlyContain(r => r.Origin == "adopted from public.schema_migrations");
        plan.Blocking.Should().BeEmpty();
        plan.Notes.Should().Contain(n => n.Contains("3 version(s) match", StringComparison.Ordinal))
            .And.Contain(n => n.Contains("1 file(s) have no history row", StringComparison.Ordinal));
    }

    [Test]
    public void Map_SqlFrameworkFileChanged_KeepsTheAppliedChecksumSoDriftIsReported()
    {
        var catalog = Catalog(V("1", "create_users", "CREATE TABLE users (id bigint);"));

        var plan = AdoptionPlanner.Map(MigrationHistoryFormat.SqlFramework, "public.schema_migrations", [Row("001", "001", "create_users", Sha(Users))], catalog, null);

        plan.Entries.Single().Match.Should().Be(MigrationAdoptionMatch.ChecksumDiffers);
        plan.Records.Single().Checksum.Should().Be(Sha(Users));
        plan.Notes.Should().Contain(n => n.Contains("differ from what the SQL migration framework recorded", StringComparison.Ordinal));
    }

    [Test]
    public void Map_FileOfTheVersionHasAnotherName_BlocksAndRecordsNothingForIt()
    {
        var catalog = Catalog(V("1", "create_users", Users), V("2", "something_else", Email));
        var rows = new[] { Row("1 (V1__create_users.sql)", "1", "create users"), Row("2 (V2__add_email.sql)", "2", "add email") };

        var plan = AdoptionPlanner.Map(MigrationHistoryFormat.Flyway, "public.flyway_schema_history", rows, catalog, null);

        plan.Entries.Select(e => (e.Version, e.Match)).Should().Equal(("1", MigrationAdoptionMatch.Rebased), ("2", MigrationAdoptionMatch.NameDiffers));
        plan.Blocking.Single().Note.Should().Contain("'add email'").And.Contain("V2__something_else.sql");
        plan.Records.Select(r => r.Key).Should().Equal("1");
    }

    [Test]
    public void Map_Flyway_RebasesVersionedReappliesRepeatablesAndHonoursItsBaseline()
    {
        var views = new MigrationScript(MigrationKind.Repeatable, null, "views", "A__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;");
        var catalog = Catalog(V("1", "base", "SELECT 1;"), V("2", "create_users", Users), V("3", "broken", "SELECT 3;"), V("4", "new", "SELECT 4;"), views);
        var rows = new[]
        {
            Row("2 (V2__create_users.sql)", "2", "create users", "-12345"),
            Row("3 (V3__broken.sql)", "3", "broken", "99", status: "failed"),
            Row("R__views.sql", null, "views", "777") with { RepeatableName = "views" },
        };

        var plan = AdoptionPlanner.Map(MigrationHistoryFormat.Flyway, "public.flyway_schema_history", rows, catalog, MigrationVersion.Parse("1"));

        plan.Entries.Select(e => (e.Version, e.Match, e.Status)).Should().Equal(
            ("1", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Completed),
            ("2", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Completed),
            ("3", MigrationAdoptionMatch.Rebased, MigrationAdoptionStatus.Failed),
            ("4", MigrationAdoptionMatch.NotInHistory, MigrationAdoptionStatus.Pending),
            ("A:views", MigrationAdoptionMatch.ChecksumDiffers, MigrationAdoptionStatus.Completed));
        plan.Records.Single(r => r.Key == "2").Checksum.Should().Be(catalog.Migrations[1].Checksum);
        plan.Records.Single(r => r.Key == "A:views").Checksum.Should().Be("flyway:777").And.NotBe(views.Checksum);
        plan.Entries[0].Note.Should().Contain("baseline version 1");
        plan.Notes.Should().Contain(n => n.StartsWith("Checksums re-based: Flyway's checksums are CRC32", StringComparison.Ordinal));
    }

    [TestCase("0001_create_users.sql", "0001", "create_users")]
    [TestCase("Script0002 - add email.sql", "0002", "add email")]
    [TestCase("MyApp.Scripts.Script0003 - Create orders.sql", "0003", "Create orders")]
    [TestCase("scripts/0004-invoices.sql", "0004", "invoices")]
    [TestCase("MyApp.Scripts.V7__seven.sql", "7", "seven")]
    [TestCase("cleanup.sql", null, "cleanup.sql")]
    public void ResolveScriptName_DbUpNames_ReadTheirVersionAndName(string scriptName, string? version, string name)
    {
        var catalog = Catalog(V("7", "seven", "SELECT 7;"));

        AdoptionPlanner.ResolveScriptName(scriptName, catalog).Should().Be((version, name));
    }

    [Test]
    public void Map_DbUpAndEfCore_MapScriptNamesAndMigrationIdsAndReportUnmappedRows()
    {
        var dbup = AdoptionPlanner.Map(MigrationHistoryFormat.DbUp, "public.schemaversions",
            [Row("0001_create_users.sql", null, "0001_create_users.sql"), Row("cleanup.sql", null, "cleanup.sql")],
            Catalog(V("1", "create_users", Users)), null);
        var ef = AdoptionPlanner.Map(MigrationHistoryFormat.EntityFrameworkCore, "public.\"__EFMigrationsHistory\"",
            [Row("20240101120000_InitialCreate", "20240101120000", "InitialCreate")],
            Catalog(V("20240101120000", "InitialCreate", Users), V("20240301000000", "Next", Email)), null);

        dbup.Entries.Select(e => (e.Version, e.Match)).Should().Equal(("1", MigrationAdoptionMatch.Rebased), (string.Empty, MigrationAdoptionMatch.Unmapped));
        dbup.Records.Select(r => r.Key).Should().Equal("1");
        dbup.Notes.Should().Contain(n => n.Contains("DbUp keeps no checksum", StringComparison.Ordinal)).And.Contain(n => n.Contains("name no usable version", StringComparison.Ordinal));
        ef.Entries.Select(e => (e.Version, e.Match)).Should().Equal(("20240101120000", MigrationAdoptionMatch.Rebased), ("20240301000000", MigrationAdoptionMatch.NotInHistory));
    }

    [Test]
    public void Map_HistoryRowWithoutFile_IsAdoptedAndReported()
    {
        var plan = AdoptionPlanner.Map(MigrationHistoryFormat.SqlFramework, "public.schema_migrations",
            [Row("009", "009", "gone", Sha("SELECT 9;"), rollback: "SELECT 0;")], Catalog(V("1", "a", "SELECT 1;")), null);

        plan.Entries.Select(e => (e.Version, e.Match)).Should().Equal(("1", MigrationAdoptionMatch.NotInHistory), ("9", MigrationAdoptionMatch.NoFile));
        plan.Records.Single().Should().Match<AdoptedVersion>(r => r.Key == "9" && r.RollbackSql == "SELECT 0;" && r.File == null);
    }

    [Test]
    public void Baseline_UpToAVersion_RecordsThoseAndLeavesTheRestPendingOrRefusesWhenNoneIsThere()
    {
        var catalog = Catalog(V("1", "a", "SELECT 1;"), V("2", "b", "SELECT 2;"), V("3", "c", "SELECT 3;"));

        var plan = AdoptionPlanner.Baseline(catalog, MigrationVersion.Parse("2"));
        var none = () => AdoptionPlanner.Baseline(catalog, MigrationVersion.Parse("0"));

        plan.Entries.Select(e => (e.Version, e.Match, e.Status)).Should().Equal(
            ("1", MigrationAdoptionMatch.Baselined, MigrationAdoptionStatus.Completed), ("2", MigrationAdoptionMatch.Baselined, MigrationAdoptionStatus.Completed), ("3", MigrationAdoptionMatch.NotInHistory, MigrationAdoptionStatus.Pending));
        plan.Records.Should().OnlyContain(r => r.Origin == "baseline 2" && r.ExecutionTimeMs == 0);
        none.Should().Throw<MigrationException>().WithMessage("Nothing was recorded: no migration file has a version up to 0 (the first is 1)*");
    }

    private static MigrationScript V(string version, string name, string sql)
        => new(MigrationKind.Versioned, MigrationVersion.Parse(version), name, $"V{version}__{name}.sql", sql);

    private static MigrationCatalog Catalog(params MigrationScript[] scripts) => MigrationCatalog.Create(scripts);

    private static ForeignHistoryRow Row(string key, string? version, string name, string? checksum = null, string status = "completed", string? rollback = null)
        => new(key, version, name, status, At, 5, checksum, rollback);

    private static string Sha(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
