namespace Inknowing.DbResilience.Backups;

/// <summary>The report of a verification: every copy, the archive check and the optional restore test.</summary>
public sealed record BackupVerificationResult
{
    /// <summary>Gets the backup verified.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the kind of the backup verified. The default value is <see cref="BackupKind.Logical"/>.</summary>
    public BackupKind Kind { get; init; }

    /// <summary>Gets a value indicating whether everything checked passed; the backup is then marked verified.</summary>
    public bool Succeeded => Problems.Count == 0;

    /// <summary>Gets the result per copy.</summary>
    public required IReadOnlyList<BackupCopyVerification> Copies { get; init; }

    /// <summary>
    /// Gets the restore tool's summary of the archive (for pg_dump: <c>pg_restore --list</c>; for a base backup: its file and WAL
    /// range), or <see langword="null"/> when not reached.
    /// </summary>
    public string? ArchiveCheck { get; init; }

    /// <summary>Gets a value indicating whether a restore into a scratch database was done.</summary>
    public bool RestoreTested { get; init; }

    /// <summary>Gets the number of tables whose row counts were compared after the restore test.</summary>
    public int TablesCompared { get; init; }

    /// <summary>Gets every problem found, each saying what is wrong; empty when the verification passed.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Gets when the verification finished.</summary>
    public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>Gets how long the verification took.</summary>
    public required TimeSpan Duration { get; init; }
}
