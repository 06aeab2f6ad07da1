namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>One row that adoption or a baseline writes to the library's <c>schema_migrations</c>, and its history row.</summary>
internal sealed record AdoptedVersion(
    string Key,
    string Name,
    string Kind,
    string Status,
    DateTimeOffset? AppliedAt,
    long? ExecutionTimeMs,
    string Checksum,
    string? RollbackSql,
    string Origin,
    string? SourceKey,
    string? File);
