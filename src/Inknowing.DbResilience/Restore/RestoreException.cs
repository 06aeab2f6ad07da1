namespace Inknowing.DbResilience.Restore;

/// <summary>A restore was refused or failed; the message names the backup, the target and what to do.</summary>
public class RestoreException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="RestoreException"/> class.</summary>
    public RestoreException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RestoreException"/> class with a message.</summary>
    /// <param name="message">What failed and what to do about it.</param>
    public RestoreException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RestoreException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed and what to do about it.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public RestoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the backup involved, when known.</summary>
    public string? BackupId { get; init; }

    /// <summary>Gets a value indicating whether the restore was refused before anything was changed.</summary>
    public bool NothingChanged { get; init; }
}
