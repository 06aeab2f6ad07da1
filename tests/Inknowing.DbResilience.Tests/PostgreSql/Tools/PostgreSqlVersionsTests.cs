using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;

namespace Inknowing.DbResilience.Tests.PostgreSql.Tools;

public sealed class PostgreSqlVersionsTests
{
    [TestCase(15, 2)]
    [TestCase(16, 0)]
    [TestCase(17, 6)]
    [TestCase(18, 1)]
    public void EnsureServerSupported_SupportedMajor_DoesNotThrow(int major, int minor)
    {
        var check = () => PostgreSqlVersions.EnsureServerSupported(new Version(major, minor), "back it up");

        check.Should().NotThrow();
    }

    [TestCase(14, "older", "Upgrade the server to PostgreSQL 15")]
    [TestCase(12, "older", "pg_upgrade")]
    [TestCase(19, "newer", "Use a release of this library that supports it")]
    public void EnsureServerSupported_OutsideTheRange_ThrowsNamingTheRangeAndTheFix(int major, string which, string fix)
    {
        var check = () => PostgreSqlVersions.EnsureServerSupported(new Version(major, 0), "back it up");

        check.Should().Throw<DbResilienceException>()
            .WithMessage($"*PostgreSQL {major}, {which} than this library supports (15 to 18)*will not back it up*")
            .Which.Message.Should().Contain(fix);
    }

    [Test]
    public void EnsureToolNotOlderThanServer_OlderTool_ThrowsNamingTheDebianPackageOfTheServersMajor()
    {
        var check = () => PostgreSqlVersions.EnsureToolNotOlderThanServer("/usr/lib/postgresql/15/bin/pg_dump", new Version(15, 18), new Version(17, 6));

        check.Should().Throw<ExternalToolException>()
            .WithMessage("pg_dump 15.18 at '/usr/lib/postgresql/15/bin/pg_dump' is older than the server (PostgreSQL 17.6)*")
            .Which.Message.Should().Contain("apt-get install postgresql-client-17").And.Contain("PostgreSqlOptions.ToolsDirectory");
    }

    [TestCase(15, 15)]
    [TestCase(18, 15)]
    [TestCase(17, 17)]
    public void ToolProblem_SameOrNewerTool_IsNull(int tool, int server)
    {
        PostgreSqlVersions.ToolProblem("/usr/bin/pg_restore", new Version(tool, 0), new Version(server, 0)).Should().BeNull();
    }
}
