namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Thrown when a migration verb finds migration tables that are not the library's: tables named like its own in its
/// schema but of another layout (<see cref="IsSchemaConflict"/>), or, while the library's own history is empty, another
/// tool's history that says what is already applied. Nothing was read into the library's tables or run.
/// </summary>
/// <remarks>
/// The ways forward are in the message: adopt the history (<see cref="IMigrationAdopter.AdoptAsync"/>, CLI <c>adopt</c>),
/// record a hand-built database as migrated up to a version (<see cref="IMigrationAdopter.BaselineAsync"/>, CLI
/// <c>baseline</c>), keep the library's tables in another schema, or ignore a history that belongs to another application.
/// The command-line tool exits with code 2 for a schema conflict (the configured schema is taken) and 1 otherwise.
/// </remarks>
public sealed class ForeignMigrationHistoryException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="ForeignMigrationHistoryException"/> class.</summary>
    public ForeignMigrationHistoryException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ForeignMigrationHistoryException"/> class with a message.</summary>
    /// <param name="message">What was found and the ways forward.</param>
    public ForeignMigrationHistoryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ForeignMigrationHistoryException"/> class with a message and a cause.</summary>
    /// <param name="message">What was found and the ways forward.</param>
    /// <param name="innerException">The cause.</param>
    public ForeignMigrationHistoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the tables found, each with whose it looks like.</summary>
    public IReadOnlyList<ForeignMigrationHistory> Histories { get; init; } = Array.Empty<ForeignMigrationHistory>();

    /// <summary>
    /// Gets a value indicating whether the library's own schema holds tables of its names that are not its own (the schema
    /// setting must change, or the tables be adopted and renamed aside), rather than another tool's history elsewhere.
    /// </summary>
    public bool IsSchemaConflict { get; init; }
}
