using Inknowing.DbResilience.Backups;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What point-in-time recovery reads from the manifest of a base backup: its WAL range as positions and segments, its data file.</summary>
internal static class BaseBackupManifests
{
    /// <summary>Gets the WAL range of a base backup.</summary>
    /// <exception cref="PointInTimeException">The manifest is not a base backup's.</exception>
    public static BackupWalRange WalRange(this BackupManifest manifest)
        => manifest.Wal ?? throw new PointInTimeException($"Backup {manifest.Id} is not a base backup: its manifest has no WAL range.");

    /// <summary>Gets where the backup's WAL starts.</summary>
    public static NpgsqlLogSequenceNumber StartLsn(this BackupManifest manifest) => NpgsqlLogSequenceNumber.Parse(manifest.WalRange().StartLsn);

    /// <summary>Gets where the backup's WAL ends: a restore is consistent from there on.</summary>
    public static NpgsqlLogSequenceNumber StopLsn(this BackupManifest manifest) => NpgsqlLogSequenceNumber.Parse(manifest.WalRange().StopLsn);

    /// <summary>Gets the first WAL segment the backup needs.</summary>
    public static WalSegmentName StartSegment(this BackupManifest manifest) => WalSegmentName.FromLsn(manifest.WalRange().Timeline, manifest.StartLsn());

    /// <summary>Gets the last WAL segment the backup needs to be consistent.</summary>
    public static WalSegmentName StopSegment(this BackupManifest manifest) => WalSegmentName.FromLsn(manifest.WalRange().Timeline, manifest.StopLsn());

    /// <summary>Gets the storage key of the backup's tar.</summary>
    public static string DataKey(this BackupManifest manifest) => BackupLayout.FileKey(manifest.Kind, manifest.Id, manifest.GetDataFile().Name);

    /// <summary>Gets how pg_basebackup compressed the tar, from its name (<c>base.tar.zst</c> or <c>base.tar.lz4</c>).</summary>
    public static BaseBackupCompression TarCompression(this BackupManifest manifest)
        => manifest.GetDataFile().Name.EndsWith(".zst", StringComparison.Ordinal) ? BaseBackupCompression.Zstd : BaseBackupCompression.Lz4;

    /// <summary>
    /// Orders base backups oldest first by where their WAL starts (then start time, then id): ids carry the start time to the
    /// second only, so two backups taken in the same second would otherwise sort by their random suffix.
    /// </summary>
    public static List<BackupManifest> InOrder(IEnumerable<BackupManifest> manifests)
        => manifests
            .OrderBy(m => (ulong)m.StartLsn())
            .ThenBy(m => m.StartedAt)
            .ThenBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
}
