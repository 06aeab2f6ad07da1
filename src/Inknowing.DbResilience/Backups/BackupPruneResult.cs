using Inknowing.DbResilience.Retention;

namespace Inknowing.DbResilience.Backups;

/// <summary>The result of applying retention.</summary>
/// <param name="Plan">The decision and reason for every backup.</param>
/// <param name="DryRun">Whether nothing was deleted.</param>
/// <param name="Deleted">The ids deleted from every storage.</param>
/// <param name="Problems">Deletions that failed, each naming the storage and key; empty when none did.</param>
public sealed record BackupPruneResult(RetentionPlan Plan, bool DryRun, IReadOnlyList<string> Deleted, IReadOnlyList<string> Problems);
