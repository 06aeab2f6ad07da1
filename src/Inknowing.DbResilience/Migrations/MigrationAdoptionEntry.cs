namespace Inknowing.DbResilience.Migrations;

/// <summary>One line of an adoption's or a baseline's mapping: a history row or a file, and what is recorded for it.</summary>
/// <param name="Version">The library's tracking key (<c>1.2</c>, <c>A:views</c>), or empty when none can be read.</param>
/// <param name="Name">The name recorded: the file's, else the history's.</param>
/// <param name="SourceKey">What the other tool called it (<c>001</c>, <c>V1__init.sql</c>, <c>20240101_Init</c>), or <see langword="null"/> for a file with no history row.</param>
/// <param name="File">The matching file or resource, or <see langword="null"/>.</param>
/// <param name="Match">How the row and the file were matched.</param>
/// <param name="Status">What is recorded: <c>completed</c>, <c>failed</c> or <c>rolled_back</c>; <c>pending</c> for a file left to migrate; empty when nothing is recorded.</param>
/// <param name="AppliedAt">When the other tool applied it, when it says.</param>
/// <param name="ExecutionTimeMs">How long it took, when the other tool says.</param>
/// <param name="Note">What a person should know about this line, or <see langword="null"/>.</param>
public sealed record MigrationAdoptionEntry(
    string Version,
    string Name,
    string? SourceKey,
    string? File,
    MigrationAdoptionMatch Match,
    string Status,
    DateTimeOffset? AppliedAt,
    long? ExecutionTimeMs,
    string? Note);
