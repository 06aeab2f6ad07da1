namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One problem found by the WAL chain verification.</summary>
public sealed record WalChainProblem
{
    /// <summary>Gets the kind of problem.</summary>
    public required WalChainProblemKind Kind { get; init; }

    /// <summary>Gets what is wrong and what it means for restores.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the file concerned, when one is known: the first missing one, or the damaged one.</summary>
    public string? Missing { get; init; }
}
