namespace Inknowing.DbResilience.Migrations;

/// <summary>One line of an adoption's or a baseline's mapping: a history row or a file, and what is recorded for it.</summary>
public sealed record MigrationAdoptionEntry
{
    /// <summary>Gets the library's tracking key (<c>1.2</c>, <c>A:views</c>), or empty when none can be read.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the name recorded: the file's, else the history's.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Gets what the other tool called it (<c>001</c>, <c>V1__init.sql</c>, <c>20240101_Init</c>), or <see
    /// langword="null"/> for a file with no history row.
    /// </summary>
    public string? SourceKey { get; init; }

    /// <summary>Gets the matching file or resource, or <see langword="null"/>.</summary>
    public string? File { get; init; }

    /// <summary>Gets how the row and the file were matched.</summary>
    public required MigrationAdoptionMatch Match { get; init; }

    /// <summary>
    /// Gets what is recorded: completed, failed or rolled back; pending for a file left to migrate;
    /// <see cref="MigrationAdoptionStatus.NotRecorded"/> when nothing is recorded.
    /// </summary>
    public required MigrationAdoptionStatus Status { get; init; }

    /// <summary>Gets when the other tool applied it, when it says.</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Gets how long it took, when the other tool says.</summary>
    public long? ExecutionTimeMs { get; init; }

    /// <summary>Gets what a person should know about this line, or <see langword="null"/>.</summary>
    public string? Note { get; init; }
}
