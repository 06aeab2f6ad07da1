namespace Inknowing.DbResilience.Scheduling;

/// <summary>
/// The record of scheduled runs, shared by every replica: it decides that an instant of a job runs once, whichever replica
/// gets there first. The PostgreSQL package keeps it in the <c>job_history</c> table of the library's schema.
/// </summary>
public interface IJobHistory
{
    /// <summary>Records that a run starts, unless a run of the same job for the same instant is already recorded.</summary>
    /// <param name="context">The job, the instant and whether it catches up a missed one.</param>
    /// <param name="startedAt">When the run starts.</param>
    /// <param name="runner">Which process runs it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new run's id, or <see langword="null"/> when that instant was already run (or is running) elsewhere.</returns>
    /// <exception cref="DbResilienceException">The history could not be written.</exception>
    Task<long?> TryStartAsync(JobRunContext context, DateTimeOffset startedAt, string runner, CancellationToken cancellationToken = default);

    /// <summary>Records how a run ended.</summary>
    /// <param name="runId">The id <see cref="TryStartAsync"/> returned.</param>
    /// <param name="finishedAt">When it ended.</param>
    /// <param name="result">What the job reported (or the scheduler, for a failure or a timeout).</param>
    /// <param name="failure">Why it failed, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the end is recorded.</returns>
    /// <exception cref="DbResilienceException">The history could not be written.</exception>
    Task FinishAsync(long runId, DateTimeOffset finishedAt, JobRunResult result, string? failure, CancellationToken cancellationToken = default);

    /// <summary>Lists recorded runs, newest instant first.</summary>
    /// <param name="job">A job's name, or <see langword="null"/> for every job.</param>
    /// <param name="limit">The most runs to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The runs.</returns>
    /// <exception cref="DbResilienceException">The history could not be read.</exception>
    Task<IReadOnlyList<JobRun>> ListAsync(string? job = null, int limit = 100, CancellationToken cancellationToken = default);
}
