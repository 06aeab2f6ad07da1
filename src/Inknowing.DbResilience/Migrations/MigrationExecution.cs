namespace Inknowing.DbResilience.Migrations;

/// <summary>One script that ran (or, in a dry run, would run).</summary>
public sealed record MigrationExecution
{
    /// <summary>Gets what the script does.</summary>
    public required MigrationKind Kind { get; init; }

    /// <summary>Gets the key in <c>schema_migrations.version</c>, such as <c>12</c>, <c>S12</c> or <c>A:views</c>.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the descriptive name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the file or resource it came from.</summary>
    public required string Origin { get; init; }

    /// <summary>Gets whether the script was applied or rolled back.</summary>
    public required MigrationAction Action { get; init; }

    /// <summary>
    /// Gets a value indicating whether it ran in one transaction (false when it holds statements such as CREATE INDEX
    /// CONCURRENTLY).
    /// </summary>
    public required bool Transactional { get; init; }

    /// <summary>Gets the SQL that ran or would run.</summary>
    public required string Sql { get; init; }

    /// <summary>Gets how long it took; zero in a dry run.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the rows that its statements reported.</summary>
    public required long AffectedRows { get; init; }

    /// <summary>Gets the restore point created just before it, or <see langword="null"/> when none could be created.</summary>
    public string? RestorePointName { get; init; }

    /// <summary>Gets the WAL position of that restore point.</summary>
    public string? RestorePointLsn { get; init; }
}
