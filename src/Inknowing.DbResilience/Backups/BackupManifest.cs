namespace Inknowing.DbResilience.Backups;

/// <summary>
/// The description of one backup, logical or base, stored as <c>backups/&lt;id&gt;/manifest.json</c> (logical) or
/// <c>base/&lt;id&gt;/manifest.json</c> (base) in every location and written last: its presence means the backup is complete.
/// With the database gone, the manifests alone are enough to list, verify and restore. Read and write it with
/// <see cref="BackupManifestSerializer"/>.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>
    /// The version of the manifest's layout that this library writes: 3 (one layout for logical and base backups, sealed with its
    /// own SHA-256, see <see cref="BackupManifestSerializer"/>). Layout 2 of both kinds is still read.
    /// </summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>Gets the version of the manifest's layout; readers refuse a newer major layout.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Gets the backup id, such as <c>20261121T020000Z-daily-3f9a</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the tier: <c>daily</c>, <c>weekly</c>, <c>monthly</c> or <c>manual</c>; <c>base</c> for base backups.</summary>
    public required string Tier { get; init; }

    /// <summary>Gets the kind of backup: <see cref="BackupKind.Logical"/> (pg_dump) or <see cref="BackupKind.Base"/> (pg_basebackup).</summary>
    public BackupKind Kind { get; init; } = BackupKind.Logical;

    /// <summary>Gets the format: a pg_dump format, or <see cref="BackupFormat.Tar"/> for a base backup.</summary>
    public required BackupFormat Format { get; init; }

    /// <summary>Gets the status: <see cref="BackupStatus.Completed"/> or <see cref="BackupStatus.Verified"/>.</summary>
    public required BackupStatus Status { get; init; }

    /// <summary>Gets the name of the database dumped; for a base backup, which holds every database of the server, the one connected to.</summary>
    public required string Database { get; init; }

    /// <summary>Gets the server's version, for example <c>15.18</c>.</summary>
    public required string ServerVersion { get; init; }

    /// <summary>Gets the tool that made the backup, for example <c>pg_dump</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the tool's version, for example <c>15.18</c>; a restore needs pg_restore of this major version or newer.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Gets when the backup started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the last file was stored (UTC); for a base backup, the earliest time it can be restored to.</summary>
    public required DateTimeOffset CompletedAt { get; init; }

    /// <summary>Gets when a verification last passed, or <see langword="null"/>.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Gets the total stored size of the backup's files in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Gets the SHA-256 of the stored data file (lowercase hex).</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the compression applied by the pipeline.</summary>
    public required BackupCompression Compression { get; init; }

    /// <summary>Gets how the files are encrypted, or <see langword="null"/> when they are not.</summary>
    public BackupEncryptionInfo? Encryption { get; init; }

    /// <summary>Gets the display names of the storages that hold a complete copy, for example <c>file:///var/backups</c>.</summary>
    public required IReadOnlyList<string> Locations { get; init; }

    /// <summary>Gets the files of the backup, the data file first. Their keys are <c>&lt;prefix&gt;/&lt;id&gt;/&lt;name&gt;</c>.</summary>
    public required IReadOnlyList<BackupFile> Files { get; init; }

    /// <summary>Gets what the backup contains, as given to pg_dump.</summary>
    public required BackupContentOptions Content { get; init; }

    /// <summary>Gets the row count of every table in the dump's snapshot, for verification after a restore.</summary>
    public required IReadOnlyList<BackupTableRowCount> Tables { get; init; }

    /// <summary>
    /// Gets how <see cref="Tables"/> was counted: <c>archive</c> (from the dump's own <c>COPY</c> data as it streamed),
    /// <c>count</c> (<c>count(*)</c> in the dump's snapshot), or <see langword="null"/> (not counted, or an older manifest).
    /// </summary>
    public string? RowCountSource { get; init; }

    /// <summary>
    /// Gets how the dump itself is compressed (inside the archive, before <see cref="Compression"/>), such as
    /// <c>zlib level 1, by dbresilience while streaming pg_dump --compress=0</c>; <see langword="null"/> in older manifests.
    /// </summary>
    public string? DumpCompression { get; init; }

    /// <summary>
    /// Gets the WAL range of a base backup: where it starts and ends, and on which timeline; <see langword="null"/> for a logical backup.
    /// </summary>
    public BackupWalRange? Wal { get; init; }

    /// <summary>
    /// Gets the id of the backup this one builds on, or <see langword="null"/> for a full backup (every backup this library makes
    /// today). Room for incremental base backups (PostgreSQL 17's <c>pg_basebackup --incremental</c>): a restore would need the
    /// whole chain of parents.
    /// </summary>
    public string? ParentId { get; init; }

    /// <summary>Gets the data file (the first of <see cref="Files"/>).</summary>
    /// <returns>The data file.</returns>
    /// <exception cref="InvalidOperationException">The manifest lists no data file.</exception>
    public BackupFile GetDataFile() => Files.First(f => f.Role == BackupFileRole.Data);
}
