namespace Inknowing.DbResilience.Migrations;

/// <summary>The mapping an adoption or a baseline recorded (or, in a dry run, would record).</summary>
public sealed record MigrationAdoptionResult
{
    /// <summary>Gets whose history was imported; <see langword="null"/> for a baseline.</summary>
    public MigrationHistoryFormat? From { get; init; }

    /// <summary>Gets the schema-qualified table imported, or <see langword="null"/> for a baseline.</summary>
    public string? SourceTable { get; init; }

    /// <summary>Gets a value indicating whether nothing was changed.</summary>
    public required bool DryRun { get; init; }

    /// <summary>Gets every history row and every file, in version order.</summary>
    public required IReadOnlyList<MigrationAdoptionEntry> Entries { get; init; }

    /// <summary>Gets what a person should know about the whole adoption (re-based checksums, renamed tables).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Gets how many versions were (or would be) recorded in <c>schema_migrations</c>.</summary>
    public required int VersionsRecorded { get; init; }

    /// <summary>Gets how many rows were (or would be) written to <c>migration_history</c>.</summary>
    public required int HistoryRowsRecorded { get; init; }

    /// <summary>Gets the wall-clock time, lock wait included.</summary>
    public required TimeSpan Duration { get; init; }
}
