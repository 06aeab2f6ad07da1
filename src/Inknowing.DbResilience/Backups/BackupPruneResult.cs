using Inknowing.DbResilience.Retention;

namespace Inknowing.DbResilience.Backups;

/// <summary>The result of applying retention to both kinds of backups and the archived WAL.</summary>
public sealed record BackupPruneResult
{
    /// <summary>Gets the decision and reason for every backup, and for the WAL.</summary>
    public required RetentionPlan Plan { get; init; }

    /// <summary>Gets a value indicating whether nothing was deleted.</summary>
    public required bool DryRun { get; init; }

    /// <summary>Gets the ids deleted from every storage.</summary>
    public IReadOnlyList<string> Deleted { get; init; } = [];

    /// <summary>Gets the number of archived WAL files deleted.</summary>
    public int DeletedWalFiles { get; init; }

    /// <summary>Gets the deletions that failed, each naming the storage and key; empty when none did.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
