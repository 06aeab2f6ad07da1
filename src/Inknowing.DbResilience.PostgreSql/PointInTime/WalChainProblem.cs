namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One problem found by the WAL chain verification.</summary>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Message">What is wrong and what it means for restores.</param>
/// <param name="Missing">The file concerned, when one is known: the first missing one, or the damaged one.</param>
public sealed record WalChainProblem(WalChainProblemKind Kind, string Message, string? Missing);
