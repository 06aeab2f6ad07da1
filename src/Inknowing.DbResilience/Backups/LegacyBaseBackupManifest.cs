namespace Inknowing.DbResilience.Backups;

/// <summary>
/// A base backup manifest of layout 2 (written before logical and base backups shared <see cref="BackupManifest"/>), read so that
/// base backups stored then stay listable, verifiable and restorable. Only read, never written; properties of that layout this
/// library does not need (<c>startSegment</c>, <c>stopSegment</c>) are skipped.
/// </summary>
internal sealed record LegacyBaseBackupManifest
{
    public int FormatVersion { get; init; }

    public string? Id { get; init; }

    public string? DataKey { get; init; }

    public string? Compression { get; init; }

    public long Size { get; init; }

    public string? Sha256 { get; init; }

    public string? StartLsn { get; init; }

    public string? StopLsn { get; init; }

    public uint Timeline { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset StopTime { get; init; }

    public string? PostgreSqlVersion { get; init; }

    public IReadOnlyList<string>? Storages { get; init; }

    /// <summary>Converts the manifest to the shared model, or says what is missing.</summary>
    public BackupManifest ToManifest(string source)
    {
        if (Id is null || DataKey is null || Sha256 is null || StartLsn is null || StopLsn is null || PostgreSqlVersion is null)
        {
            throw new BackupException($"The manifest {source} is damaged: a base backup manifest of layout {FormatVersion} without its id, dataKey, sha256, startLsn, stopLsn or postgreSqlVersion.");
        }

        var expectedPrefix = $"{BackupLayout.Prefix(BackupKind.Base)}/{Id}/";
        if (!DataKey.StartsWith(expectedPrefix, StringComparison.Ordinal) || DataKey.Length == expectedPrefix.Length || DataKey.IndexOf('/', expectedPrefix.Length) >= 0)
        {
            throw new BackupException($"The manifest {source} is damaged: its dataKey '{DataKey}' is not a file of base backup {Id} ({expectedPrefix}...).");
        }

        var file = new BackupFile
        {
            Name = DataKey[expectedPrefix.Length..],
            Role = BackupFileRole.Data,
            SizeBytes = Size,
            Sha256 = Sha256,
            ContentSizeBytes = Size,
            ContentSha256 = Sha256,
        };
        return new BackupManifest
        {
            FormatVersion = FormatVersion,
            Id = Id,
            Tier = BackupLayout.BaseTier,
            Kind = BackupKind.Base,
            Format = BackupFormat.Tar,
            Status = BackupStatus.Completed,
            Database = string.Empty,
            ServerVersion = PostgreSqlVersion,
            Tool = "pg_basebackup",
            ToolVersion = PostgreSqlVersion,
            StartedAt = StartTime,
            CompletedAt = StopTime,
            SizeBytes = Size,
            Sha256 = Sha256,
            Compression = BackupCompression.None,
            Locations = Storages ?? [],
            Files = [file],
            Content = new BackupContentOptions(),
            Tables = [],
            DumpCompression = Compression is null ? null : $"{Compression}, by pg_basebackup --compress=client-{Compression}",
            Wal = new BackupWalRange { StartLsn = StartLsn, StopLsn = StopLsn, Timeline = Timeline },
        };
    }
}
