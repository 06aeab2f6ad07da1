namespace Inknowing.DbResilience.Retention;

/// <summary>The decision about one backup, with the reason a person can check.</summary>
/// <param name="Id">The backup id.</param>
/// <param name="StartedAt">When it started, or <see langword="null"/> when unknown.</param>
/// <param name="Action">Keep or delete.</param>
/// <param name="Reason">Why, for example <c>daily #2 (2026-11-20)</c> or the rules it falls outside of.</param>
/// <param name="RetainUntil">
/// For a kept backup, when it is expected to expire if backups go on at least once a day; <see langword="null"/> when it
/// is kept for another reason (newest, verified, running, unclassified) or deleted.
/// </param>
public sealed record RetentionDecision(string Id, DateTimeOffset? StartedAt, RetentionAction Action, string Reason, DateTimeOffset? RetainUntil);
