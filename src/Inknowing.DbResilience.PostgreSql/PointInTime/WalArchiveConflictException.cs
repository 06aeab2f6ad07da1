namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Thrown when a WAL file is pushed under a name whose stored copy holds different bytes: two clusters archive into the
/// same place, or the stored copy is corrupt. Nothing was overwritten.
/// </summary>
public sealed class WalArchiveConflictException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class.</summary>
    public WalArchiveConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public WalArchiveConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WalArchiveConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
