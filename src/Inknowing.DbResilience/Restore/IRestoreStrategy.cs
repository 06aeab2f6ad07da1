namespace Inknowing.DbResilience.Restore;

/// <summary>Restores one kind of backup into a database. The checksum is verified before anything is changed.</summary>
public interface IRestoreStrategy
{
    /// <summary>Gets the strategy's name, such as <c>pg_restore</c> or <c>psql</c>.</summary>
    string Name { get; }

    /// <summary>Tells whether this strategy can restore the source as requested.</summary>
    /// <param name="source">The backup's bytes.</param>
    /// <param name="request">What to restore.</param>
    /// <returns><see langword="true"/> when it can.</returns>
    bool CanRestore(RestoreSource source, RestoreRequest request);

    /// <summary>Verifies the source's checksum, then restores it.</summary>
    /// <param name="source">The backup's bytes.</param>
    /// <param name="request">What to restore, and where.</param>
    /// <param name="cancellationToken">Cancels the restore and kills the tools it runs.</param>
    /// <returns>What was restored.</returns>
    /// <exception cref="RestoreException">The request is refused (target exists without force, checksum mismatch) or the restore failed.</exception>
    Task<RestoreResult> RestoreAsync(RestoreSource source, RestoreRequest request, CancellationToken cancellationToken = default);
}
