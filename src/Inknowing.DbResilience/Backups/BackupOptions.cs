using Inknowing.DbResilience.Encryption;
using Inknowing.DbResilience.Retention;

namespace Inknowing.DbResilience.Backups;

/// <summary>Options of logical backups, set with <c>ConfigureBackups(o =&gt; ...)</c>; a <see cref="BackupRequest"/> can override most of them per backup.</summary>
public sealed class BackupOptions
{
    /// <summary>The environment variable read for the encryption key when <see cref="EncryptionKey"/> is not set.</summary>
    public const string EncryptionKeyVariable = "DBRESILIENCE_BACKUP_KEY";

    /// <summary>Gets or sets the tier of backups made without one. The default value is <c>manual</c>.</summary>
    public string Tier { get; set; } = "manual";

    /// <summary>Gets or sets the format. The default value is <see cref="BackupFormat.Custom"/>.</summary>
    public BackupFormat Format { get; set; } = BackupFormat.Custom;

    /// <summary>Gets or sets the number of parallel pg_dump jobs for the directory format. The default value is 2.</summary>
    public int Jobs { get; set; } = 2;

    /// <summary>
    /// Gets or sets the pipeline's compression. The default value is <see cref="BackupCompression.None"/>:
    /// the custom and directory formats are compressed by pg_dump itself; choose gzip for the plain format.
    /// </summary>
    public BackupCompression Compression { get; set; } = BackupCompression.None;

    /// <summary>Gets or sets a value indicating whether to dump only the schema. The default value is <see langword="false"/>.</summary>
    public bool SchemaOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether to dump only the data. The default value is <see langword="false"/>.</summary>
    public bool DataOnly { get; set; }

    /// <summary>Gets the table patterns to dump (pg_dump <c>--table</c>). The default value is empty: every table.</summary>
    public IList<string> Tables { get; } = new List<string>();

    /// <summary>Gets the schema patterns to dump (pg_dump <c>--schema</c>). The default value is empty: every schema.</summary>
    public IList<string> Schemas { get; } = new List<string>();

    /// <summary>
    /// Gets the table patterns whose rows are left out (pg_dump <c>--exclude-table-data</c>), such as login history or
    /// performance metrics. The default value is empty.
    /// </summary>
    public IList<string> ExcludeTableData { get; } = new List<string>();

    /// <summary>
    /// Gets or sets a value indicating whether roles and tablespaces (<c>pg_dumpall --globals-only</c>) are stored beside
    /// the dump as <c>globals.sql</c>. The default value is <see langword="false"/>.
    /// </summary>
    public bool IncludeGlobals { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the rows of every table are counted, in the dump's own snapshot, for the
    /// manifest and the restore test. The default value is <see langword="true"/>.
    /// </summary>
    public bool CountRows { get; set; } = true;

    /// <summary>
    /// Gets or sets the zlib level (1 to 9) at which the custom format is compressed by this process while pg_dump streams
    /// it uncompressed (<c>--compress=0</c>); the same pass counts every table's rows from the dump's own data, with no
    /// second scan of the tables. 0 lets pg_dump compress (its default level 6: on 2 cores slower, as pg_dump then compresses
    /// on its own single thread, and rows are counted with <c>count(*)</c>). Applies to pg_dump 11 to 15; newer pg_dump
    /// versions compress the archive themselves. The default value is 2: with zlib-ng (.NET 9 and later) as small as pg_dump's
    /// own archive for about a third of pg_dump's CPU; 1 is faster still but about 1.6 times larger.
    /// </summary>
    public int ArchiveCompressionLevel { get; set; } = 2;

    /// <summary>Gets or sets a value indicating whether backups are encrypted (AES-256-GCM). The default value is <see langword="false"/>.</summary>
    public bool Encrypt { get; set; }

    /// <summary>
    /// Gets or sets the encryption key as base64 of 32 random bytes (<c>openssl rand -base64 32</c>). The default value is
    /// <see langword="null"/>: the <c>DBRESILIENCE_BACKUP_KEY</c> environment variable is read. Keep it out of source control.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Gets older keys (base64) still accepted for decryption after a key rotation. The default value is empty.</summary>
    public IList<string> DecryptionKeys { get; } = new List<string>();

    /// <summary>Gets or sets the plaintext bytes per encrypted chunk. The default value is 1 MiB.</summary>
    public int EncryptionChunkSize { get; set; } = AesGcmEncryptingStream.DefaultChunkSize;

    /// <summary>Gets the retention rules. The default value keeps 7 daily, 4 weekly and 12 monthly backups.</summary>
    public RetentionRules Retention { get; } = new();

    /// <summary>
    /// Gets or sets a value indicating whether the <c>backup_history</c> catalog table is kept in the database (best effort;
    /// storage stays the source of truth). The default value is <see langword="true"/>.
    /// </summary>
    public bool EnableCatalog { get; set; } = true;

    /// <summary>
    /// Gets or sets the name of the catalog table, in the library's schema (<see cref="DbResilienceOptions.Schema"/>). The
    /// default value is <c>backup_history</c>.
    /// </summary>
    public string CatalogTable { get; set; } = "backup_history";

    /// <summary>
    /// Gets or sets the connection string of the maintenance database used to create and drop scratch databases for restore
    /// tests. The default value is <see langword="null"/>: the <c>postgres</c> database of the same server.
    /// </summary>
    public string? ScratchConnectionString { get; set; }

    internal BackupEncryptionKey? ResolveEncryptionKey()
    {
        var text = EncryptionKey ?? Environment.GetEnvironmentVariable(EncryptionKeyVariable);
        return string.IsNullOrWhiteSpace(text) ? null : BackupEncryptionKey.FromBase64(text);
    }

    internal IReadOnlyList<BackupEncryptionKey> ResolveDecryptionKeys()
    {
        var keys = new List<BackupEncryptionKey>();
        if (ResolveEncryptionKey() is { } key)
        {
            keys.Add(key);
        }

        keys.AddRange(DecryptionKeys.Select(BackupEncryptionKey.FromBase64));
        return keys;
    }
}
