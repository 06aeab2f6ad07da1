using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>The scheduler's log messages (event ids 9000-9099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "The scheduler {Runner} started with {Jobs} job(s)")]
    public static partial void SchedulerStarted(ILogger logger, int jobs, string runner);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "The scheduler {Runner} stopped")]
    public static partial void SchedulerStopped(ILogger logger, string runner);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Job {Job} started for {ScheduledFor:u} (catching up: {IsCatchUp})")]
    public static partial void JobStarted(ILogger logger, string job, DateTimeOffset scheduledFor, bool isCatchUp);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Job {Job} for {ScheduledFor:u}: {Outcome} in {DurationMs} ms: {Summary}")]
    public static partial void JobFinished(ILogger logger, string job, DateTimeOffset scheduledFor, JobOutcome outcome, long durationMs, string? summary);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Debug, Message = "Job {Job} for {ScheduledFor:u} runs in another replica; this one skips it")]
    public static partial void RunningElsewhere(ILogger logger, string job, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Debug, Message = "Job {Job} for {ScheduledFor:u} already ran (the job history has it); this replica skips it")]
    public static partial void AlreadyRun(ILogger logger, string job, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "Job {Job} is still running; its instant {ScheduledFor:u} is skipped")]
    public static partial void StillRunning(ILogger logger, string job, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Warning, Message = "Job {Job}: the instant {ScheduledFor:u} passed while the scheduler was busy; the latest instant runs instead")]
    public static partial void InstantPassed(ILogger logger, string job, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Information, Message = "Job {Job} missed its instant {ScheduledFor:u} while the application was down; it runs once now")]
    public static partial void CatchingUp(ILogger logger, string job, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Error, Message = "Job {Job} could not start for {ScheduledFor:u}: its lock or the job history could not be reached")]
    public static partial void CouldNotRun(ILogger logger, string job, DateTimeOffset scheduledFor, Exception exception);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "The job history could not be read or written for job {Job}")]
    public static partial void HistoryUnavailable(ILogger logger, string job, Exception exception);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Debug, Message = "The scheduler waits until {Due:u} ({Wait})")]
    public static partial void Waiting(ILogger logger, DateTimeOffset due, TimeSpan wait);
}
