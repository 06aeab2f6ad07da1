using System.Text;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Migrations;

public sealed class DirectoryMigrationSourceTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "dbr-migration-source-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task LoadAsync_Latin1File_RefusedNamingTheFileAndUtf8()
    {
        File.WriteAllText(Path.Combine(_directory, "V1__ok.sql"), "SELECT 'café';", Encoding.UTF8);
        File.WriteAllBytes(Path.Combine(_directory, "V2__latin1.sql"), [.. Encoding.ASCII.GetBytes("SELECT 'caf"), 0xE9, .. Encoding.ASCII.GetBytes("';")]);

        var load = () => new DirectoryMigrationSource(_directory).LoadAsync();

        var message = (await load.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message;
        message.Should().Contain("V2__latin1.sql").And.Contain("not UTF-8").And.Contain("0xE9").And.NotContain("V1__ok.sql");
    }

    [Test]
    public async Task LoadAsync_EmptyAndBlankFiles_RefusedNamingEach()
    {
        File.WriteAllBytes(Path.Combine(_directory, "V1__empty.sql"), []);
        File.WriteAllText(Path.Combine(_directory, "V2__blank.sql"), " \n\t\n");
        File.WriteAllText(Path.Combine(_directory, "V3__comment.sql"), "-- nothing to do\n");

        var load = () => new DirectoryMigrationSource(_directory).LoadAsync();

        var message = (await load.Should().ThrowAsync<DbResilienceConfigurationException>()).Which.Message;
        message.Should().Contain("V1__empty.sql").And.Contain("V2__blank.sql").And.Contain("is empty").And.NotContain("V3__comment.sql");
    }

    [Test]
    public async Task LoadAsync_Utf8WithByteOrderMark_Loaded()
    {
        File.WriteAllText(Path.Combine(_directory, "V1__bom.sql"), "SELECT 'café';", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var scripts = await new DirectoryMigrationSource(_directory).LoadAsync();

        scripts.Should().ContainSingle().Which.Sql.Should().Be("SELECT 'café';");
    }
}
