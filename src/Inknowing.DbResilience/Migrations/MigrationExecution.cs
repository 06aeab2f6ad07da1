namespace Inknowing.DbResilience.Migrations;

/// <summary>One script that ran (or, in a dry run, would run).</summary>
/// <param name="Kind">What the script does.</param>
/// <param name="Key">The key in <c>schema_migrations.version</c>, such as <c>12</c>, <c>S12</c> or <c>A:views</c>.</param>
/// <param name="Name">The descriptive name.</param>
/// <param name="Origin">The file or resource it came from.</param>
/// <param name="Action"><c>apply</c> or <c>rollback</c>.</param>
/// <param name="Transactional">Whether it ran in one transaction (false when it holds statements such as CREATE INDEX CONCURRENTLY).</param>
/// <param name="Sql">The SQL that ran or would run.</param>
/// <param name="Duration">How long it took; zero in a dry run.</param>
/// <param name="AffectedRows">The rows that its statements reported.</param>
/// <param name="RestorePointName">The restore point created just before it, or <see langword="null"/> when none could be created.</param>
/// <param name="RestorePointLsn">The WAL position of that restore point.</param>
public sealed record MigrationExecution(
    MigrationKind Kind,
    string Key,
    string Name,
    string Origin,
    string Action,
    bool Transactional,
    string Sql,
    TimeSpan Duration,
    long AffectedRows,
    string? RestorePointName,
    string? RestorePointLsn);
