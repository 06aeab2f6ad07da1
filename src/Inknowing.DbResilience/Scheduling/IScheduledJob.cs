using Inknowing.DbResilience.Notifications;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>
/// A job the scheduler runs on its cron expression: the built-in backups, verification, drills and checks, or the
/// application's own, registered with <c>AddScheduledJob&lt;TJob&gt;(name, cron)</c>.
/// </summary>
/// <remarks>
/// The scheduler takes the job's lock and records the run in the job history before calling <see cref="RunAsync"/>, so an
/// implementation only does the work. It should honour the token: when the job's timeout passes the token is cancelled and
/// the run is recorded as timed out whether or not the work stops.
/// </remarks>
public interface IScheduledJob
{
    /// <summary>Gets what the job does, for the notifications sent after each run.</summary>
    NotificationOperation Operation => NotificationOperation.Job;

    /// <summary>
    /// Gets a value indicating whether the job can run in this configuration (a point-in-time drill needs point-in-time
    /// recovery enabled); an unavailable job is listed but never run.
    /// </summary>
    bool IsAvailable => true;

    /// <summary>Does the work of one run.</summary>
    /// <param name="context">The job's name, the scheduled instant and whether this run catches up a missed one.</param>
    /// <param name="cancellationToken">Cancelled at the job's timeout or when the application stops.</param>
    /// <returns>The outcome; a run that fails may also throw, and is then recorded as failed with the exception's message.</returns>
    Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken);
}
