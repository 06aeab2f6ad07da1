namespace Inknowing.DbResilience.Retention;

/// <summary>
/// What retention does: a decision with its reason for every backup of both kinds, newest first, and what it does with the
/// archived WAL (only what no kept base backup needs is removed).
/// </summary>
public sealed record RetentionPlan
{
    /// <summary>Gets the time the plan was made for.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets one decision per backup, newest first.</summary>
    public required IReadOnlyList<RetentionDecision> Decisions { get; init; }

    /// <summary>
    /// Gets what happens to the archived WAL, with the reason, or <see langword="null"/> when the WAL was not considered (no base
    /// backup, or point-in-time recovery not enabled).
    /// </summary>
    public WalRetentionDecision? Wal { get; init; }

    /// <summary>Gets the decisions to keep.</summary>
    public IEnumerable<RetentionDecision> Kept => Decisions.Where(d => d.Action == RetentionAction.Keep);

    /// <summary>Gets the decisions to delete.</summary>
    public IEnumerable<RetentionDecision> Deleted => Decisions.Where(d => d.Action == RetentionAction.Delete);
}
