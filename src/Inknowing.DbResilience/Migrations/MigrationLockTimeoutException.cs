namespace Inknowing.DbResilience.Migrations;

/// <summary>Thrown when another process held the migration lock for longer than the configured lock timeout.</summary>
public sealed class MigrationLockTimeoutException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="MigrationLockTimeoutException"/> class.</summary>
    public MigrationLockTimeoutException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationLockTimeoutException"/> class with a message.</summary>
    /// <param name="message">Who holds the lock and what to do.</param>
    public MigrationLockTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationLockTimeoutException"/> class with a message and a cause.</summary>
    /// <param name="message">Who holds the lock and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public MigrationLockTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
