using Inknowing.DbResilience.PostgreSql.Restore;

namespace Inknowing.DbResilience.Tests.PostgreSql.Restore;

public sealed class DatabasePropertiesTests
{
    // What pg_restore --create prints for a database's own entries (PostgreSQL 15), shortened.
    private const string Script = """
        SET statement_timeout = 0;
        \restrict abc
        CREATE DATABASE "Shop DB" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';
        ALTER DATABASE "Shop DB" OWNER TO app_owner;
        \unrestrict abc
        \connect -reuse-previous=on "dbname='Shop DB'"
        COMMENT ON DATABASE "Shop DB" IS 'mentions DATABASE "Shop DB" inside
        a comment of two lines';
        ALTER DATABASE "Shop DB" SET search_path TO 'shop', 'public';
        ALTER ROLE reader IN DATABASE "Shop DB" SET statement_timeout TO '5s';
        REVOKE CONNECT,TEMPORARY ON DATABASE "Shop DB" FROM PUBLIC;
        GRANT CONNECT ON DATABASE "Shop DB" TO reader;
        """;

    [Test]
    public void ForTarget_PgRestoreCreateOutput_RenamesEveryStatementAndDropsCreateAndMetaCommands()
    {
        var statements = DatabaseProperties.ForTarget(Script, "restored copy", keepRoleSettings: true);

        statements.Should().NotContain("CREATE DATABASE").And.NotContain("\\connect").And.NotContain("\\restrict").And.NotContain("\\unrestrict");
        statements.Should().Contain("ALTER DATABASE \"restored copy\" OWNER TO app_owner;")
            .And.Contain("COMMENT ON DATABASE \"restored copy\" IS 'mentions DATABASE \"Shop DB\" inside\na comment of two lines';")
            .And.Contain("ALTER DATABASE \"restored copy\" SET search_path TO 'shop', 'public';")
            .And.Contain("ALTER ROLE reader IN DATABASE \"restored copy\" SET statement_timeout TO '5s';")
            .And.Contain("REVOKE CONNECT,TEMPORARY ON DATABASE \"restored copy\" FROM PUBLIC;")
            .And.Contain("GRANT CONNECT ON DATABASE \"restored copy\" TO reader;");
    }

    [Test]
    public void ForTarget_BareNameWithoutRoleSettings_LeavesRoleSettingsOut()
    {
        var statements = DatabaseProperties.ForTarget(
            "CREATE DATABASE shop WITH TEMPLATE = template0;\nALTER DATABASE shop SET work_mem TO '7MB';\nALTER DATABASE shopping SET x TO 1;\nALTER ROLE r IN DATABASE shop SET a TO 1;\n",
            "target",
            keepRoleSettings: false);

        statements.Should().Contain("ALTER DATABASE \"target\" SET work_mem TO '7MB';").And.Contain("ALTER DATABASE shopping SET x TO 1;").And.NotContain("ALTER ROLE");
    }

    [Test]
    public void ForTarget_NoDatabaseEntries_IsEmpty()
        => DatabaseProperties.ForTarget("SET statement_timeout = 0;\n", "target", keepRoleSettings: true).Should().BeEmpty();
}
