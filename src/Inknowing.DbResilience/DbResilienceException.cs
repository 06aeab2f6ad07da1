namespace Inknowing.DbResilience;

/// <summary>
/// The base of every exception that Inknowing.DbResilience throws for a failed operation or a bad configuration.
/// </summary>
/// <remarks>
/// Messages never contain passwords, keys or connection strings. Subclasses carry the facts a person needs
/// (migration version and file, backup id, storage key, SQLSTATE, the tail of a tool's standard error).
/// </remarks>
public class DbResilienceException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DbResilienceException"/> class.</summary>
    public DbResilienceException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DbResilienceException"/> class with a message.</summary>
    /// <param name="message">What failed and what to do about it.</param>
    public DbResilienceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DbResilienceException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed and what to do about it.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public DbResilienceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Gets a value indicating whether the same operation may succeed if it is tried again
    /// (a dropped connection, a throttled request), so that retry policies can key on it.
    /// </summary>
    public virtual bool IsTransient => false;
}
