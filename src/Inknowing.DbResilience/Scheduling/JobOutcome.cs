namespace Inknowing.DbResilience.Scheduling;

/// <summary>How a run of a scheduled job ended.</summary>
public enum JobOutcome
{
    /// <summary>The job did its work.</summary>
    Succeeded,

    /// <summary>The job did its work but found something that needs attention (an old backup, a copy that failed).</summary>
    Warning,

    /// <summary>The job failed, or found a problem it exists to find (a drill or a verification that did not pass).</summary>
    Failed,

    /// <summary>The job did not finish within its timeout.</summary>
    TimedOut,

    /// <summary>The application stopped while the job ran.</summary>
    Cancelled,
}
