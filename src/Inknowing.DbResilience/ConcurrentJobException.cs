namespace Inknowing.DbResilience;

/// <summary>
/// Thrown when a job (a backup, a prune, a drill) is refused because another process runs the same job on the same database;
/// nothing was done. Trying again once the other job ends may succeed.
/// </summary>
public sealed class ConcurrentJobException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="ConcurrentJobException"/> class.</summary>
    public ConcurrentJobException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConcurrentJobException"/> class with a message.</summary>
    /// <param name="message">Which job, who runs it, and what to do.</param>
    public ConcurrentJobException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConcurrentJobException"/> class with a message and a cause.</summary>
    /// <param name="message">Which job, who runs it, and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public ConcurrentJobException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the job that was refused, such as <c>backup</c>.</summary>
    public string? Job { get; init; }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
