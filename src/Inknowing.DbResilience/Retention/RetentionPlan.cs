namespace Inknowing.DbResilience.Retention;

/// <summary>The result of <see cref="GfsRetentionPolicy.Plan"/>: a decision with its reason for every backup, newest first.</summary>
/// <param name="Now">The time the plan was made for.</param>
/// <param name="Decisions">One decision per backup, newest first.</param>
public sealed record RetentionPlan(DateTimeOffset Now, IReadOnlyList<RetentionDecision> Decisions)
{
    /// <summary>Gets the decisions to keep.</summary>
    public IEnumerable<RetentionDecision> Kept => Decisions.Where(d => d.Action == RetentionAction.Keep);

    /// <summary>Gets the decisions to delete.</summary>
    public IEnumerable<RetentionDecision> Deleted => Decisions.Where(d => d.Action == RetentionAction.Delete);
}
