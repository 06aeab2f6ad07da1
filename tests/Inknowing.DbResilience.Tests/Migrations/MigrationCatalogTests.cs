using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Migrations;

public sealed class MigrationCatalogTests
{
    [Test]
    public void Create_MixedScripts_OrdersMigrationsNumericallyAndAttachesRollbacks()
    {
        var catalog = MigrationCatalog.Create(new[]
        {
            Script("V10__c.sql"), Script("V2__b.sql"), Script("V1_5__a2.sql"), Script("V1__a.sql"),
            Script("R2__b.sql"), Script("S10__c.sql"), Script("A__views.sql"),
        });

        catalog.Migrations.Select(m => m.TrackingKey).Should().Equal("1", "1.5", "2", "10");
        catalog.Rollbacks.Keys.Select(v => v.ToString()).Should().Equal("2");
        catalog.Seeds.Select(s => s.TrackingKey).Should().Equal("S10");
        catalog.Repeatables.Select(s => s.TrackingKey).Should().Equal("A:views");
    }

    [Test]
    public void Create_DuplicateVersionAndOrphans_ListsEveryProblemNamingFiles()
    {
        var act = () => MigrationCatalog.Create(new[]
        {
            Script("V1__a.sql"), Script("V001__also_a.sql"), Script("R3__gone.sql"), Script("S4__gone.sql"),
        });

        var error = act.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Errors.Should().HaveCount(3);
        error.Errors[0].Should().Contain("V1__a.sql").And.Contain("V001__also_a.sql");
        error.Message.Should().Contain("R3__gone.sql").And.Contain("S4__gone.sql");
    }

    [TestCase("V1_create.sql")]
    [TestCase("X1__create.sql")]
    [TestCase("V__create.sql")]
    [TestCase("V1a__create.sql")]
    [TestCase("A1__view.sql")]
    [TestCase("v1__lower_case_prefix.sql")]
    public void TryCreate_UnparsableName_ReturnsErrorNamingTheFile(string fileName)
    {
        MigrationFileName.TryCreate(fileName, "/m/" + fileName, "SELECT 1", out var script, out var error).Should().BeFalse();

        script.Should().BeNull();
        error.Should().Contain("/m/" + fileName);
    }

    [Test]
    public void Checksum_LineEndingsAndBom_AreIgnored()
    {
        var unix = new MigrationScript(MigrationKind.Versioned, MigrationVersion.Parse("1"), "a", "a", "SELECT 1;\nSELECT 2;\n");
        var windows = new MigrationScript(MigrationKind.Versioned, MigrationVersion.Parse("1"), "a", "a", "\uFEFFSELECT 1;\r\nSELECT 2;\r\n");
        var changed = new MigrationScript(MigrationKind.Versioned, MigrationVersion.Parse("1"), "a", "a", "SELECT 1;\nSELECT 3;\n");

        windows.Checksum.Should().Be(unix.Checksum).And.MatchRegex("^[0-9a-f]{64}$");
        changed.Checksum.Should().NotBe(unix.Checksum);
    }

    [Test]
    public async Task LoadAsync_Sources_CombinesDirectoryCodeAndReportsAllBadNames()
    {
        var directory = Directory.CreateTempSubdirectory("dbr-catalog-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "V1__a.sql"), "SELECT 1;");
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "README.md"), "not a script");
            var code = new CodeMigrationSource().Add("2", "b", "SELECT 2;", "SELECT -2;").AddRepeatable("v", "SELECT 'v';");

            var catalog = await MigrationCatalog.LoadAsync(new IMigrationSource[] { new DirectoryMigrationSource(directory.FullName), code }, CancellationToken.None);

            catalog.Migrations.Select(m => m.TrackingKey).Should().Equal("1", "2");
            catalog.Rollbacks.Should().ContainSingle();
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "bad.sql"), "SELECT 1;");
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "V2_x.sql"), "SELECT 1;");
            var act = () => MigrationCatalog.LoadAsync(new IMigrationSource[] { new DirectoryMigrationSource(directory.FullName) }, CancellationToken.None);
            (await act.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Errors.Should().HaveCount(2);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task LoadAsync_MissingDirectory_NamesIt()
    {
        var act = () => new DirectoryMigrationSource("/no/such/dir").LoadAsync();

        (await act.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message.Should().Contain("/no/such/dir");
    }

    [Test]
    public async Task LoadAsync_EmbeddedResources_ParsesNamesAfterThePrefix()
    {
        var scripts = await new EmbeddedResourceMigrationSource(typeof(MigrationCatalogTests).Assembly, "Tests.Scripts.").LoadAsync();

        scripts.Select(s => (s.Kind, s.TrackingKey)).Should().BeEquivalentTo(new[]
        {
            (MigrationKind.Versioned, "1.1"), (MigrationKind.Rollback, "1.1"), (MigrationKind.Seed, "S1.1"),
        });
        scripts.Single(s => s.Kind == MigrationKind.Versioned).Sql.Should().Be("CREATE TABLE a (id int);\n");
    }

    private static MigrationScript Script(string fileName)
    {
        MigrationFileName.TryCreate(fileName, fileName, "SELECT 1;", out var script, out var error).Should().BeTrue(error);
        return script!;
    }
}
