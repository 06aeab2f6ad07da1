namespace Inknowing.DbResilience.Backups;

/// <summary>Thrown when a backup operation fails: names the backup id and what to do.</summary>
public class BackupException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="BackupException"/> class.</summary>
    public BackupException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupException"/> class with a message.</summary>
    /// <param name="message">What failed and what to do.</param>
    public BackupException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public BackupException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupException"/> class for one backup.</summary>
    /// <param name="backupId">The backup concerned.</param>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public BackupException(string backupId, string message, Exception? innerException)
        : base($"Backup {backupId}: {message}", innerException)
    {
        BackupId = backupId;
    }

    /// <summary>Gets the id of the backup concerned, if any.</summary>
    public string? BackupId { get; }

    /// <inheritdoc />
    public override bool IsTransient => InnerException is DbResilienceException { IsTransient: true };
}
