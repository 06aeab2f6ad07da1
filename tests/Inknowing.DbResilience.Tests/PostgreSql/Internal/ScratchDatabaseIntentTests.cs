using Inknowing.DbResilience.PostgreSql;

namespace Inknowing.DbResilience.Tests.PostgreSql.Internal;

public sealed class ScratchDatabaseIntentTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("intent-tests-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Record_DrillDatabase_WritesAPrivateRecordNamingTheServerWithoutThePassword()
    {
        var intent = ScratchDatabaseIntent.Record(_directory, "Host=db.internal;Port=6543;Database=shop;Username=app;Password=s3cret-7f3a", "dbresilience_scratch_drill_0123456789ab");

        var text = File.ReadAllText(intent.Path);
        var record = ScratchDatabaseIntent.Parse(text);

        Path.GetFileName(intent.Path).Should().StartWith("dbresilience-database-").And.EndWith(".intent");
        record.Should().Be(new ScratchDatabaseIntent.IntentRecord(Environment.MachineName, OwnerProcess.Current(), "db.internal:6543", "dbresilience_scratch_drill_0123456789ab"));
        text.Should().Contain("connection-database=shop").And.NotContain("s3cret-7f3a");
        Directory.EnumerateFiles(_directory).Should().Equal([intent.Path], "the record is written whole under a pending name, then renamed");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(intent.Path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        intent.Delete();
        File.Exists(intent.Path).Should().BeFalse();
    }

    [TestCase("shop")]
    [TestCase("postgres")]
    [TestCase("dbresilience_scratch_0123456789ab")]
    [TestCase("dbresilience_scratch_drill_0123456789AB")]
    [TestCase("dbresilience_scratch_drill_0123456789abc")]
    [TestCase("_drill_0123456789ab")]
    public void Parse_NameTheDrillDoesNotGenerate_ReturnsNull(string database)
    {
        var record = ScratchDatabaseIntent.Parse($"dbresilience scratch database intent\nhost=h\nowner=1 2\nserver=s:5432\ndatabase={database}\n");

        record.Should().BeNull("only a database the drill would have created may be dropped on a record's word");
    }

    [TestCase("")]
    [TestCase("host=h\nowner=1 2\nserver=s:5432\ndatabase=dbresilience_scratch_drill_0123456789ab\n")]
    [TestCase("dbresilience scratch database intent\nhost=h\nserver=s:5432\ndatabase=dbresilience_scratch_drill_0123456789ab\n")]
    [TestCase("dbresilience scratch database intent\nhost=h\nowner=1 2\nserver=s:5432\n")]
    public void Parse_IncompleteRecord_ReturnsNull(string text)
        => ScratchDatabaseIntent.Parse(text).Should().BeNull();
}
