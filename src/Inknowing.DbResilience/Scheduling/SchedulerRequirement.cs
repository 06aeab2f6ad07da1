namespace Inknowing.DbResilience.Scheduling;

/// <summary>What the scheduler needs besides itself, and the message naming the call that provides it.</summary>
internal static class SchedulerRequirement
{
    public const string Message = "EnableScheduler() needs a database for its job locks and job history: call UsePostgreSql(...) "
        + "(the PostgreSQL package), or register your own IJobLock and IJobHistory.";
}
