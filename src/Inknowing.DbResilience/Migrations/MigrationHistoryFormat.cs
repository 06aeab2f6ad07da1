namespace Inknowing.DbResilience.Migrations;

/// <summary>Whose migration history a table holds, judged from its name and columns.</summary>
public enum MigrationHistoryFormat
{
    /// <summary>Another tool's, or a layout this library does not know.</summary>
    Unknown,

    /// <summary>This library's own <c>schema_migrations</c> and <c>migration_history</c> (in another schema than the one configured).</summary>
    DbResilience,

    /// <summary>
    /// A SQL migration framework's <c>schema_migrations</c> (version, migration_name, checksum, rollback_sql, status, no
    /// <c>kind</c>) and <c>migration_history</c>, written by its <c>apply_migration</c> and <c>rollback_migration</c> functions.
    /// </summary>
    SqlFramework,

    /// <summary>Flyway's <c>flyway_schema_history</c> (or the <c>schema_version</c> of Flyway 4 and older).</summary>
    Flyway,

    /// <summary>DbUp's journal, <c>schemaversions</c> (script names and when they ran).</summary>
    DbUp,

    /// <summary>Entity Framework Core's <c>__EFMigrationsHistory</c> (migration ids).</summary>
    EntityFrameworkCore,

    /// <summary>golang-migrate's <c>schema_migrations</c> (version and dirty flag).</summary>
    GolangMigrate,

    /// <summary>A <c>schema_migrations</c> with only a version column, as Rails, dbmate and others keep.</summary>
    VersionOnly,
}
