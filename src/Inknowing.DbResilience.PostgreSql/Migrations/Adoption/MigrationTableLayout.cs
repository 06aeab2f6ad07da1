using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>
/// Tells whose a migration table is from its name and columns: the library's own, a SQL migration framework's
/// (apply_migration/rollback_migration), Flyway's, DbUp's, EF Core's, golang-migrate's, or a version-only table. Pure.
/// </summary>
internal static class MigrationTableLayout
{
    /// <summary>The table names that migration tools use and that are looked for in every schema.</summary>
    public static readonly string[] CandidateTables =
        ["schema_migrations", "migration_history", "flyway_schema_history", "schema_version", "schemaversions", "__EFMigrationsHistory"];

    private static readonly string[] LibraryMigrationColumns =
        ["version", "migration_name", "kind", "applied_at", "execution_time_ms", "checksum", "applied_by", "rollback_sql", "status", "script_origin"];

    private static readonly string[] LibraryHistoryColumns =
        ["id", "version", "action", "started_at", "completed_at", "success", "error_message", "affected_rows", "metadata"];

    private static readonly string[] SqlFrameworkColumns = ["version", "migration_name", "checksum", "rollback_sql", "status"];

    private static readonly string[] FlywayColumns = ["installed_rank", "version", "description", "type", "script", "checksum", "success"];

    /// <summary>Returns whether a table of the library's names has the library's columns (more columns are tolerated).</summary>
    public static bool IsLibraryLayout(string table, IReadOnlyCollection<string> columns) => table switch
    {
        "schema_migrations" => HasAll(columns, LibraryMigrationColumns),
        "migration_history" => HasAll(columns, LibraryHistoryColumns),
        _ => false,
    };

    /// <summary>Says whose a table is; <see langword="null"/> for a table that is no migration history (a <c>migration_history</c>, which belongs to its <c>schema_migrations</c>, or an unrelated <c>schema_version</c>).</summary>
    public static MigrationHistoryFormat? Classify(string table, IReadOnlyCollection<string> columns) => table switch
    {
        "schema_migrations" when HasAll(columns, LibraryMigrationColumns) => MigrationHistoryFormat.DbResilience,
        "schema_migrations" when HasAll(columns, SqlFrameworkColumns) => MigrationHistoryFormat.SqlFramework,
        "schema_migrations" when columns.Count == 2 && HasAll(columns, ["version", "dirty"]) => MigrationHistoryFormat.GolangMigrate,
        "schema_migrations" when columns.Count == 1 && HasAll(columns, ["version"]) => MigrationHistoryFormat.VersionOnly,
        "schema_migrations" => MigrationHistoryFormat.Unknown,
        "flyway_schema_history" or "schema_version" when HasAll(columns, FlywayColumns) => MigrationHistoryFormat.Flyway,
        "flyway_schema_history" => MigrationHistoryFormat.Unknown,
        "schemaversions" when HasAll(columns, ["scriptname", "applied"]) => MigrationHistoryFormat.DbUp,
        "schemaversions" => MigrationHistoryFormat.Unknown,
        "__EFMigrationsHistory" when HasAll(columns, ["MigrationId", "ProductVersion"]) => MigrationHistoryFormat.EntityFrameworkCore,
        "__EFMigrationsHistory" => MigrationHistoryFormat.Unknown,
        _ => null,
    };

    /// <summary>Describes whose a table looks like and the columns that tell, for messages.</summary>
    public static string Describe(MigrationHistoryFormat format, IReadOnlyCollection<string> columns) => format switch
    {
        MigrationHistoryFormat.DbResilience => "this library's own tables",
        MigrationHistoryFormat.SqlFramework =>
            $"a SQL migration framework's, written by its apply_migration/rollback_migration functions (columns {string.Join(", ", columns)}; no kind or script_origin column)",
        MigrationHistoryFormat.Flyway => "Flyway's schema history",
        MigrationHistoryFormat.DbUp => "DbUp's journal",
        MigrationHistoryFormat.EntityFrameworkCore => "Entity Framework Core's migrations history",
        MigrationHistoryFormat.GolangMigrate => "golang-migrate's (columns version, dirty)",
        MigrationHistoryFormat.VersionOnly => "a version-only migration table, as Rails or dbmate keep (column version)",
        _ => $"another tool's (columns {string.Join(", ", columns)})",
    };

    /// <summary>Returns the name <c>dbresilience adopt --from</c> takes for a format, or <see langword="null"/> when it cannot be adopted.</summary>
    public static string? CliName(MigrationHistoryFormat format) => format switch
    {
        MigrationHistoryFormat.SqlFramework => "sql-framework",
        MigrationHistoryFormat.Flyway => "flyway",
        MigrationHistoryFormat.DbUp => "dbup",
        MigrationHistoryFormat.EntityFrameworkCore => "efcore",
        _ => null,
    };

    private static bool HasAll(IReadOnlyCollection<string> columns, string[] required) => required.All(columns.Contains);
}
