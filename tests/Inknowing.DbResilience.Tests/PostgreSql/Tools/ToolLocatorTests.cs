using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;

namespace Inknowing.DbResilience.Tests.PostgreSql.Tools;

public sealed class ToolLocatorTests
{
    [TestCase("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 15, 18)]
    [TestCase("pg_restore (PostgreSQL) 16.4", 16, 4)]
    [TestCase("psql (PostgreSQL) 17beta1", 17, 0)]
    public void ParseVersion_ToolOutput_ReturnsMajorAndMinor(string output, int major, int minor)
    {
        ToolLocator.ParseVersion(output).Should().Be(new Version(major, minor));
    }

    [Test]
    public void ParseVersion_NotPostgreSql_ReturnsNull()
    {
        ToolLocator.ParseVersion("bash: pg_dump: command not found").Should().BeNull();
    }

    [Test]
    public void FindClientTool_MissingFromConfiguredDirectory_SaysWhatToSet()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var find = () => ToolLocator.FindClientTool("pg_dump", directory);

            find.Should().Throw<ExternalToolException>()
                .WithMessage($"*pg_dump was not found in the configured tools directory '{directory}'*ToolsDirectory*");
        }
        finally
        {
            Directory.Delete(directory);
        }
    }
}
