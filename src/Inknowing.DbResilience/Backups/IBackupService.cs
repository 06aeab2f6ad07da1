namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Creates logical backups, and lists, verifies and prunes backups of both kinds (logical and base, one manifest model); every
/// method can be called by a scheduler.
/// </summary>
public interface IBackupService
{
    /// <summary>
    /// Dumps the database and streams it through SHA-256 (and optional compression and encryption) into every storage,
    /// then writes the manifest last. A failed or cancelled backup leaves no manifest and its files are removed.
    /// </summary>
    /// <param name="request">The backup to make; <see langword="null"/> uses <see cref="BackupOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the backup and kills the tool.</param>
    /// <returns>The manifest and duration.</returns>
    /// <exception cref="DbResilienceConfigurationException">The request is invalid (for example schema-only and data-only together).</exception>
    /// <exception cref="BackupException">No storage could store the backup.</exception>
    /// <exception cref="DbResilienceException">The tool failed; the message has its standard error.</exception>
    Task<BackupResult> CreateAsync(BackupRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the complete backups (those with a manifest) of both kinds in every storage, oldest first (by start time), without
    /// the database; <see cref="BackupManifest.Kind"/> tells them apart.
    /// </summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The manifests; <see cref="BackupManifest.Locations"/> names the storages where each was found.</returns>
    /// <exception cref="DbResilienceException">A storage could not be listed.</exception>
    Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the copies of backups whose manifest exists but cannot be trusted (unreadable, not matching its own SHA-256 or
    /// the checksum its storage records): <see cref="ListAsync"/> leaves them out, this says why.
    /// </summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The damaged copies, by backup id; empty when every manifest is intact.</returns>
    /// <exception cref="DbResilienceException">A storage could not be listed.</exception>
    Task<IReadOnlyList<DamagedBackup>> ListDamagedAsync(CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} cannot tell damaged backups apart: implement ListDamagedAsync.");

    /// <summary>
    /// Reads the manifest of one backup of either kind, directly from its key in each storage (no listing), or of the newest
    /// logical backup with <c>latest</c> (one listing of the logical backups, manifests read newest first until one is intact).
    /// </summary>
    /// <param name="idOrLatest">A backup id, or <c>latest</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="DbResilienceConfigurationException"><paramref name="idOrLatest"/> is not a backup id.</exception>
    /// <exception cref="BackupException">No complete backup has that id, or its manifest is damaged (the message names the file and what is wrong).</exception>
    Task<BackupManifest> GetAsync(string idOrLatest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a file of a backup as the tool wrote it: decrypted, decompressed, and checked against the manifest's
    /// SHA-256 as it is read (the stream throws at its end on a mismatch). Reads the first location that has it.
    /// </summary>
    /// <param name="manifest">The backup's manifest.</param>
    /// <param name="file">The file.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The content stream, to dispose.</returns>
    /// <exception cref="BackupException">No location has the file.</exception>
    /// <exception cref="Encryption.BackupEncryptionException">The backup is encrypted and the key is missing or wrong.</exception>
    Task<Stream> OpenContentAsync(BackupManifest manifest, BackupFile file, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-reads each copy and checks its size and SHA-256, checks that the restore tool reads the archive, optionally
    /// restores it into a scratch database and compares each table's row count, and marks the backup verified when all passed.
    /// A base backup is verified the same way but for the archive check (its content is read through decryption when
    /// encrypted) and the restore test, which for a base backup is a point-in-time drill (asking for one is reported as a problem).
    /// </summary>
    /// <param name="idOrLatest">A backup id, or <c>latest</c>.</param>
    /// <param name="restoreTest">Whether to restore into a scratch database and compare row counts.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The report; problems are reported, not thrown.</returns>
    /// <exception cref="DbResilienceConfigurationException"><paramref name="idOrLatest"/> is not a backup id.</exception>
    /// <exception cref="BackupException">No complete backup has that id.</exception>
    Task<BackupVerificationResult> VerifyAsync(string idOrLatest, bool restoreTest = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies retention to both kinds in every storage, as one plan with a reason per decision: grandfather-father-son rules for
    /// logical backups; for base backups the newest <see cref="Retention.RetentionRules.BaseBackups"/> restorable ones, and the
    /// archived WAL that no kept base backup needs (<see cref="Retention.IBaseBackupRetention"/>, registered with point-in-time
    /// recovery; without it base backups are kept). Deletes what the plan deletes (manifest first, so a half-deleted backup
    /// never looks complete; the WAL after the base backups) and records <c>retention_until</c> in the catalog.
    /// </summary>
    /// <param name="dryRun">Whether to only return the plan.</param>
    /// <param name="cancellationToken">Cancels the prune; what is deleted stays deleted.</param>
    /// <returns>The plan and what was deleted.</returns>
    /// <exception cref="DbResilienceException">A storage could not be listed.</exception>
    Task<BackupPruneResult> PruneAsync(bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>Rebuilds the catalog table from the manifests in storage.</summary>
    /// <param name="cancellationToken">Cancels the rebuild.</param>
    /// <returns>The number of backups recorded.</returns>
    /// <exception cref="DbResilienceException">A storage could not be listed or the database could not be written.</exception>
    Task<int> RebuildCatalogAsync(CancellationToken cancellationToken = default);
}
