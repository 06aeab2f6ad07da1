namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Turns a database into backup streams and reads them back: the extension point between the backup service
/// (pipeline, storage, manifest, catalog) and a database tool such as pg_dump.
/// </summary>
public interface IBackupTarget
{
    /// <summary>Gets the name of the tool, such as <c>pg_dump</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Dumps the database, handing each file's bytes to <paramref name="sink"/> as they are produced, and returns what
    /// the manifest needs once the tool has exited successfully.
    /// </summary>
    /// <param name="request">What to dump and how.</param>
    /// <param name="sink">Receives each file as a stream; the target waits for each write to finish.</param>
    /// <param name="cancellationToken">Cancels the dump and kills the tool.</param>
    /// <returns>The database, versions and row counts.</returns>
    /// <exception cref="DbResilienceException">The tool is missing, too old or failed; the message has its standard error.</exception>
    Task<BackupTargetResult> BackupAsync(BackupTargetRequest request, IBackupFileSink sink, CancellationToken cancellationToken = default);

    /// <summary>Checks that the tool that restores can read a file of a backup (for pg_dump: <c>pg_restore --list</c>).</summary>
    /// <param name="manifest">The backup's manifest.</param>
    /// <param name="file">The file to check.</param>
    /// <param name="content">The file's content, decrypted and decompressed.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A one-line summary, such as the number of entries in the archive.</returns>
    /// <exception cref="DbResilienceException">The file cannot be read; the message says why.</exception>
    Task<string> CheckReadableAsync(BackupManifest manifest, BackupFile file, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Restores a backup into a scratch database, counts the rows of every table, and drops the scratch database.</summary>
    /// <param name="manifest">The backup's manifest.</param>
    /// <param name="content">The data file's content, decrypted and decompressed.</param>
    /// <param name="cancellationToken">Cancels the restore; the scratch database is dropped.</param>
    /// <returns>The row count of every table after the restore.</returns>
    /// <exception cref="DbResilienceException">The restore failed; the message has the tool's standard error.</exception>
    Task<IReadOnlyList<BackupTableRowCount>> RestoreTestAsync(BackupManifest manifest, Stream content, CancellationToken cancellationToken = default);
}
