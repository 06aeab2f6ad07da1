namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// Thrown when a migration fails or cannot start: names the version, the file, the line and the SQLSTATE, and any
/// INVALID index that a failed concurrent index build left behind.
/// </summary>
public sealed class MigrationException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="MigrationException"/> class.</summary>
    public MigrationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationException"/> class with a message.</summary>
    /// <param name="message">What failed and what to do.</param>
    public MigrationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public MigrationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the version (or tracking key) of the script that failed, when one did.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the file or resource of the script that failed.</summary>
    public string? Origin { get; init; }

    /// <summary>Gets the 1-based line in the file where the failing statement or error position is.</summary>
    public int? Line { get; init; }

    /// <summary>Gets the PostgreSQL SQLSTATE of the error, such as <c>42P01</c>.</summary>
    public string? SqlState { get; init; }

    /// <summary>Gets the INVALID indexes found after a failed non-transactional migration (drop them with DROP INDEX CONCURRENTLY).</summary>
    public IReadOnlyList<string> InvalidIndexes { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Gets the statements of a failed script run outside a transaction that ran before the failure and stay applied, in
    /// order, as written in the file (empty when the script ran in a transaction, which was rolled back).
    /// </summary>
    public IReadOnlyList<string> AppliedStatements { get; init; } = Array.Empty<string>();

    /// <summary>Gets the problems that stopped the run before anything was applied (drift, out-of-order versions, missing rollbacks).</summary>
    public IReadOnlyList<MigrationProblem> Problems { get; init; } = Array.Empty<MigrationProblem>();

    /// <inheritdoc />
    public override bool IsTransient => SqlState is "40001" or "40P01" or "55P03" or "57P01" or "08006" or "08003" or "08001";
}
