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
}
