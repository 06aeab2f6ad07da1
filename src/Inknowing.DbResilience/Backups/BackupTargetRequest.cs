namespace Inknowing.DbResilience.Backups;

/// <summary>What an <see cref="IBackupTarget"/> is asked to dump, with every option resolved.</summary>
public sealed record BackupTargetRequest
{
    /// <summary>Gets the id of the backup being made.</summary>
    public required BackupId Id { get; init; }

    /// <summary>Gets the format.</summary>
    public required BackupFormat Format { get; init; }

    /// <summary>Gets what to dump.</summary>
    public required BackupContentOptions Content { get; init; }

    /// <summary>Gets a value indicating whether to count the rows of every table in the dump's snapshot.</summary>
    public bool CountRows { get; init; } = true;

    /// <summary>
    /// Gets the zlib level (1 to 9) at which the target compresses a custom-format archive itself while it streams, or 0 to
    /// let the tool compress it (see <see cref="BackupOptions.ArchiveCompressionLevel"/>).
    /// </summary>
    public int ArchiveCompressionLevel { get; init; }
}
