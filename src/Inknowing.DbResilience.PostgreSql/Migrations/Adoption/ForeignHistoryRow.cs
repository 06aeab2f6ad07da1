namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>One row of another tool's history, read into the shape adoption maps from.</summary>
/// <param name="SourceKey">What the tool calls it: its version (<c>001</c>), script name or migration id.</param>
/// <param name="Version">The version text read from it, or <see langword="null"/> when none can be read (or it is a repeatable script).</param>
/// <param name="Name">The name the tool recorded (a description, a migration name).</param>
/// <param name="Status"><c>completed</c>, <c>failed</c>, <c>rolled_back</c>, <c>running</c> or <c>pending</c>.</param>
/// <param name="AppliedAt">When it ran, when the tool says.</param>
/// <param name="ExecutionTimeMs">How long it took, when the tool says.</param>
/// <param name="Checksum">The tool's checksum as text (a SHA-256 in hex, a CRC32), or <see langword="null"/>.</param>
/// <param name="RollbackSql">The undo SQL the tool stored, or <see langword="null"/>.</param>
/// <param name="RepeatableName">For a repeatable script (Flyway's <c>R__name.sql</c>), its name; otherwise <see langword="null"/>.</param>
internal sealed record ForeignHistoryRow(
    string SourceKey,
    string? Version,
    string Name,
    string Status,
    DateTimeOffset? AppliedAt,
    long? ExecutionTimeMs,
    string? Checksum,
    string? RollbackSql,
    string? RepeatableName = null);
