namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Thrown when a point-in-time operation cannot be done as asked: no base backup before the target, a target outside the
/// recoverable window, a missing or corrupt archived file, or a recovery that did not reach its target.
/// </summary>
public sealed class PointInTimeException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="PointInTimeException"/> class.</summary>
    public PointInTimeException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PointInTimeException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public PointInTimeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PointInTimeException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PointInTimeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
