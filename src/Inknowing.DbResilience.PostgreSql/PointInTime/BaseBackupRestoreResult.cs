using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// What a restore of a base backup through <see cref="IRestoreService"/> did: the common facts of every restore, and the
/// point-in-time details (where recovery stopped, the WAL staged, an allowed early stop, the running server when started).
/// </summary>
public sealed record BaseBackupRestoreResult : RestoreResult
{
    /// <summary>Gets what the point-in-time restore did; its <see cref="PointInTimeRestoreResult.Cluster"/> is the running server when started (dispose it to stop it).</summary>
    public required PointInTimeRestoreResult PointInTime { get; init; }
}
