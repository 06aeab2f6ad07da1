namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>One row of <c>schema_migrations</c>.</summary>
internal sealed record TrackedMigration(
    string Version,
    string Name,
    string Kind,
    string Status,
    string Checksum,
    DateTimeOffset? AppliedAt,
    long? ExecutionTimeMs,
    string? RollbackSql)
{
    /// <summary>Gets the script's file, or how the row came to be (<c>adopted from ...</c>, <c>baseline ...</c>).</summary>
    public string? Origin { get; init; }
}
