namespace Inknowing.DbResilience.Retention;

/// <summary>One backup that retention decides about.</summary>
public sealed record RetentionCandidate
{
    /// <summary>Gets the backup id (or the name found in storage, when it is not a valid id).</summary>
    public required string Id { get; init; }

    /// <summary>Gets when it started, or <see langword="null"/> when unknown.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// Gets its tier (<c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>manual</c>), or <see langword="null"/> when unknown.
    /// </summary>
    public string? Tier { get; init; }

    /// <summary>Gets what is known about it.</summary>
    public required RetentionCandidateState State { get; init; }
}
