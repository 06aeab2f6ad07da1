namespace Inknowing.DbResilience;

/// <summary>
/// Keeps two processes (two replicas of an application, a cron job and an operator) from running the same job on the same
/// database at once: backups, retention and drills take it. The PostgreSQL package supplies it as a session-level advisory
/// lock, which PostgreSQL releases by itself if the process dies.
/// </summary>
public interface IJobLock
{
    /// <summary>Takes the lock of a job, or refuses at once when another process holds it.</summary>
    /// <param name="job">The job, such as <c>backup</c>, <c>prune</c> or <c>drill</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The held lock; disposing it releases the lock.</returns>
    /// <exception cref="ConcurrentJobException">Another process runs the same job on this database; nothing was done.</exception>
    /// <exception cref="DbResilienceException">The database could not be reached.</exception>
    Task<IAsyncDisposable> AcquireAsync(string job, CancellationToken cancellationToken = default);
}
