namespace Inknowing.DbResilience.Retention;

/// <summary>One backup that retention decides about.</summary>
/// <param name="Id">The backup id (or the name found in storage, when it is not a valid id).</param>
/// <param name="StartedAt">When it started, or <see langword="null"/> when unknown.</param>
/// <param name="Tier">Its tier (<c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>manual</c>), or <see langword="null"/> when unknown.</param>
/// <param name="State">What is known about it.</param>
public sealed record RetentionCandidate(string Id, DateTimeOffset? StartedAt, string? Tier, RetentionCandidateState State);
