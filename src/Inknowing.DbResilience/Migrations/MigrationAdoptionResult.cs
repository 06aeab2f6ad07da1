namespace Inknowing.DbResilience.Migrations;

/// <summary>The mapping an adoption or a baseline recorded (or, in a dry run, would record).</summary>
/// <param name="From">Whose history was imported; <see langword="null"/> for a baseline.</param>
/// <param name="SourceTable">The schema-qualified table imported, or <see langword="null"/> for a baseline.</param>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="Entries">Every history row and every file, in version order.</param>
/// <param name="Notes">What a person should know about the whole adoption (re-based checksums, renamed tables).</param>
/// <param name="VersionsRecorded">How many versions were (or would be) recorded in <c>schema_migrations</c>.</param>
/// <param name="HistoryRowsRecorded">How many rows were (or would be) written to <c>migration_history</c>.</param>
/// <param name="Duration">The wall-clock time, lock wait included.</param>
public sealed record MigrationAdoptionResult(
    MigrationHistoryFormat? From,
    string? SourceTable,
    bool DryRun,
    IReadOnlyList<MigrationAdoptionEntry> Entries,
    IReadOnlyList<string> Notes,
    int VersionsRecorded,
    int HistoryRowsRecorded,
    TimeSpan Duration);
