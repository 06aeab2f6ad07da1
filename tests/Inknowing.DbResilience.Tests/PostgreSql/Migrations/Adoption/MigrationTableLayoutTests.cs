using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

namespace Inknowing.DbResilience.Tests.PostgreSql.Migrations.Adoption;

public sealed class MigrationTableLayoutTests
{
    private static readonly string[] SqlFramework = ["version", "migration_name", "applied_at", "execution_time_ms", "checksum", "applied_by", "rollback_sql", "status"];
    private static readonly string[] Library = [.. SqlFramework, "kind", "script_origin"];

    [TestCase("schema_migrations", "version,migration_name,applied_at,execution_time_ms,checksum,applied_by,rollback_sql,status", MigrationHistoryFormat.SqlFramework)]
    [TestCase("schema_migrations", "version,migration_name,kind,applied_at,execution_time_ms,checksum,applied_by,rollback_sql,status,script_origin", MigrationHistoryFormat.DbResilience)]
    [TestCase("schema_migrations", "version,dirty", MigrationHistoryFormat.GolangMigrate)]
    [TestCase("schema_migrations", "version", MigrationHistoryFormat.VersionOnly)]
    [TestCase("schema_migrations", "id,name,run_on", MigrationHistoryFormat.Unknown)]
    [TestCase("flyway_schema_history", "installed_rank,version,description,type,script,checksum,installed_by,installed_on,execution_time,success", MigrationHistoryFormat.Flyway)]
    [TestCase("schema_version", "installed_rank,version,description,type,script,checksum,installed_by,installed_on,execution_time,success", MigrationHistoryFormat.Flyway)]
    [TestCase("schemaversions", "schemaversionsid,scriptname,applied", MigrationHistoryFormat.DbUp)]
    [TestCase("__EFMigrationsHistory", "MigrationId,ProductVersion", MigrationHistoryFormat.EntityFrameworkCore)]
    public void Classify_KnownLayouts_NameTheirTool(string table, string columns, MigrationHistoryFormat expected)
        => MigrationTableLayout.Classify(table, columns.Split(',')).Should().Be(expected);

    [Test]
    public void Classify_UnrelatedSchemaVersionOrHistoryTable_IsNoHistory()
    {
        MigrationTableLayout.Classify("schema_version", ["id", "value"]).Should().BeNull();
        MigrationTableLayout.Classify("migration_history", ["id", "version", "action"]).Should().BeNull();
    }

    [Test]
    public void IsLibraryLayout_SqlFrameworkTableOfTheSameName_IsNotTheLibrarys()
    {
        MigrationTableLayout.IsLibraryLayout("schema_migrations", SqlFramework).Should().BeFalse();
        MigrationTableLayout.IsLibraryLayout("schema_migrations", Library).Should().BeTrue();
        MigrationTableLayout.IsLibraryLayout("schema_migrations", [.. Library, "extra"]).Should().BeTrue("more columns are tolerated");
    }

    [Test]
    public void Describe_SqlFramework_SaysWhoseAndWhichColumnsTell()
        => MigrationTableLayout.Describe(MigrationHistoryFormat.SqlFramework, SqlFramework)
            .Should().Contain("apply_migration/rollback_migration").And.Contain("no kind or script_origin column").And.Contain("rollback_sql");
}
