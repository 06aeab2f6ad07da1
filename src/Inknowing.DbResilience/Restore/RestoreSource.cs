namespace Inknowing.DbResilience.Restore;

/// <summary>
/// The bytes of one backup as a restore reads them: how to open them, what their SHA-256 must be, and how to
/// decode them (decrypt, decompress) once verified.
/// </summary>
public sealed class RestoreSource
{
    /// <summary>Gets the backup's id, for messages and the recovery history.</summary>
    public required string BackupId { get; init; }

    /// <summary>Gets the format of the decoded bytes.</summary>
    public required RestoreSourceFormat Format { get; init; }

    /// <summary>Gets the expected SHA-256 of the stored bytes, as lower-case hex. The restore refuses bytes that do not match.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the stored size in bytes, when known.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Gets the name of the database the backup was taken from, when known.</summary>
    public string? SourceDatabase { get; init; }

    /// <summary>Gets a function that opens the stored bytes for reading, from the start. It may be called more than once.</summary>
    public required Func<CancellationToken, Task<Stream>> OpenAsync { get; init; }

    /// <summary>
    /// Gets a function that wraps the verified stored bytes into the decoded dump (decryption, decompression), or
    /// <see langword="null"/> when the stored bytes are the dump itself.
    /// </summary>
    public Func<Stream, Stream>? Decode { get; init; }

    /// <summary>Gets the roles and tablespaces (<c>pg_dumpall --globals-only</c>) taken with this backup, or <see langword="null"/>.</summary>
    public RestoreSource? Globals { get; init; }

    /// <summary>Gets the row count of each table at dump time, keyed by the quoted <c>"schema"."table"</c> name, when the manifest has them.</summary>
    public IReadOnlyDictionary<string, long> TableRowCounts { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>
    /// Gets every table the backup's manifest lists, with its rows or without (schema-only, excluded data); empty when the
    /// manifest lists none. A selected table or schema the backup holds only in another spelling is refused.
    /// </summary>
    public IReadOnlyCollection<TableName> Tables { get; init; } = [];

    /// <summary>
    /// Gets the schemas of the backup's tables that its archive does not create: a backup of chosen tables (pg_dump
    /// <c>--table</c>) holds the tables without their schemas, so a restore creates these first when they are missing.
    /// </summary>
    public IReadOnlyCollection<string> SchemasToCreate { get; init; } = [];

    /// <summary>Gets when the backup was completed, when known.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}
