namespace Inknowing.DbResilience.Migrations;

/// <summary>One row of <c>status</c>: a script and its tracked state.</summary>
public sealed record MigrationStatusEntry
{
    /// <summary>Gets the key: the version (<c>12</c>), a seed (<c>S12</c>) or a repeatable script (<c>A:views</c>).</summary>
    public required string Version { get; init; }

    /// <summary>Gets the descriptive name.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Gets the script's state: pending, running, completed, failed or rolled back; adopted when imported from another tool's
    /// history and baselined when recorded by a baseline (both applied, not run by the library); missing when applied but its
    /// file is gone; changed when applied but its file differs.
    /// </summary>
    public required MigrationState Status { get; init; }

    /// <summary>Gets the checksum of the file, or of the applied script when the file is gone.</summary>
    public required string Checksum { get; init; }

    /// <summary>Gets when it was last applied, or <see langword="null"/>.</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Gets how long it took, or <see langword="null"/>.</summary>
    public long? ExecutionTimeMs { get; init; }

    /// <summary>Gets what the script does.</summary>
    public required MigrationKind Kind { get; init; }
}
