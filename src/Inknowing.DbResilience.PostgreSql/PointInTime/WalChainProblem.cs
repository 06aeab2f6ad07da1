namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One problem found by the WAL chain verification.</summary>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Message">What is wrong and what it means for restores.</param>
/// <param name="Missing">The first missing file, when one is known.</param>
public sealed record WalChainProblem(WalChainProblemKind Kind, string Message, string? Missing);
