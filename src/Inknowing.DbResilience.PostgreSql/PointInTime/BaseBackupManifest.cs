using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// The manifest of one physical base backup, stored as <c>base/&lt;id&gt;/manifest.json</c> after the data: its presence
/// means the backup is complete.
/// </summary>
public sealed record BaseBackupManifest
{
    /// <summary>The version of the manifest's layout that this library writes: 2 (sealed with its own SHA-256, like every manifest).</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>Gets the format version of this manifest.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Gets the backup id, such as <c>20261121T020000Z-base-3f9a</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the storage key of the compressed tar of the data directory.</summary>
    public required string DataKey { get; init; }

    /// <summary>Gets the compression of the tar.</summary>
    public required BaseBackupCompression Compression { get; init; }

    /// <summary>Gets the size of the stored tar in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Gets the SHA-256 of the stored tar, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the WAL location where the backup started (its checkpoint's redo point), such as <c>0/2000028</c>.</summary>
    public required string StartLsn { get; init; }

    /// <summary>Gets the WAL location where the backup ended: a restore is consistent from there on.</summary>
    public required string StopLsn { get; init; }

    /// <summary>Gets the timeline the backup was taken on.</summary>
    public required uint Timeline { get; init; }

    /// <summary>Gets when pg_basebackup started.</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>Gets when the backup was complete: the earliest time it can be restored to.</summary>
    public required DateTimeOffset StopTime { get; init; }

    /// <summary>Gets the server's version, such as <c>15.8</c>.</summary>
    public required string PostgreSqlVersion { get; init; }

    /// <summary>Gets the names of the storages that hold a complete copy.</summary>
    public IReadOnlyList<string> Storages { get; init; } = [];

    /// <summary>Gets the first WAL segment the backup needs.</summary>
    public WalSegmentName StartSegment => WalSegmentName.FromLsn(Timeline, NpgsqlLogSequenceNumber.Parse(StartLsn));

    /// <summary>
    /// Orders base backups oldest first by where their WAL starts (then start time, then id): ids carry the start time to the
    /// second only, so two backups taken in the same second would otherwise sort by their random suffix.
    /// </summary>
    internal static List<BaseBackupManifest> InOrder(IEnumerable<BaseBackupManifest> manifests)
        => manifests
            .OrderBy(m => (ulong)NpgsqlLogSequenceNumber.Parse(m.StartLsn))
            .ThenBy(m => m.StartTime)
            .ThenBy(m => m.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Gets the last WAL segment the backup needs to be consistent.</summary>
    public WalSegmentName StopSegment => WalSegmentName.FromLsn(Timeline, NpgsqlLogSequenceNumber.Parse(StopLsn));
}
