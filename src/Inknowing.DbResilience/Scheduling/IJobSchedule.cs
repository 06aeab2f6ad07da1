namespace Inknowing.DbResilience.Scheduling;

/// <summary>Reads the configured schedule: which jobs exist, whether they run, and when next (the CLI's <c>jobs</c> verb).</summary>
public interface IJobSchedule
{
    /// <summary>Lists every configured job with its next instants after a moment.</summary>
    /// <param name="from">The moment; usually now.</param>
    /// <param name="nextRuns">How many next instants to list per job.</param>
    /// <returns>The jobs, by name.</returns>
    /// <exception cref="DbResilienceConfigurationException">The time zone or a cron expression is invalid.</exception>
    IReadOnlyList<ScheduledJobInfo> GetJobs(DateTimeOffset from, int nextRuns = 3);
}
