namespace Inknowing.DbResilience.Scheduling;

/// <summary>What the scheduler does on start with an instant of a job's schedule that passed while the application was down.</summary>
public enum MissedRunPolicy
{
    /// <summary>Nothing: the job waits for its next instant.</summary>
    Skip,

    /// <summary>
    /// Runs the job once, at start, for the latest instant that passed without a run in the job history (by any replica);
    /// older missed instants are not repeated.
    /// </summary>
    RunOnce,
}
