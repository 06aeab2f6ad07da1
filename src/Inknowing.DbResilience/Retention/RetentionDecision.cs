using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Retention;

/// <summary>The decision about one backup, with the reason a person can check.</summary>
public sealed record RetentionDecision
{
    /// <summary>Gets the backup id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the kind of the backup. The default value is <see cref="BackupKind.Logical"/>.</summary>
    public BackupKind Kind { get; init; }

    /// <summary>Gets when it started, or <see langword="null"/> when unknown.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets whether it is kept or deleted.</summary>
    public required RetentionAction Action { get; init; }

    /// <summary>Gets why, for example <c>daily #2 (2026-11-20)</c> or the rules it falls outside of.</summary>
    public required string Reason { get; init; }

    /// <summary>
    /// Gets, for a kept backup, when it is expected to expire if backups go on at least once a day; <see langword="null"/> when it
    /// is kept for another reason (newest, verified, running, unclassified, a base backup) or deleted.
    /// </summary>
    public DateTimeOffset? RetainUntil { get; init; }
}
