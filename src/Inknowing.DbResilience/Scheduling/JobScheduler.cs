using System.Diagnostics;
using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>
/// Runs the scheduled jobs in the host: each on its cron expression, each run as its own task under its own timeout, so a
/// job that fails or hangs never stops the others or the scheduler.
/// </summary>
/// <remarks>
/// <para>
/// Many replicas may run this service against one database; each instant of a job runs once. A replica first takes the job's
/// lock (<see cref="IJobLock"/>, the advisory lock the migration runner and backups use; refused at once when another replica
/// holds it), then records the run in <see cref="IJobHistory"/>, which refuses an instant already recorded: a replica that
/// arrives after another finished does not run it again. Ten pods give one backup at 02:00.
/// </para>
/// <para>
/// On start, a job whose policy is <see cref="MissedRunPolicy.RunOnce"/> runs once for its latest past instant when the history
/// has no run for it (the application was down then). Instants that pass while the scheduler is busy with the same job are not
/// queued: a job never overlaps itself.
/// </para>
/// </remarks>
internal sealed class JobScheduler : BackgroundService
{
    // The longest single wait: the clock is read again at least this often, so a changed system clock or a long schedule
    // never leaves the scheduler asleep past an instant.
    private static readonly TimeSpan s_maxWait = TimeSpan.FromHours(1);

    private readonly JobSchedule _schedule;
    private readonly IJobLock _jobLock;
    private readonly IJobHistory _history;
    private readonly NotificationPublisher _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Task> _running = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource _planned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _catchingUp = Task.CompletedTask;

    public JobScheduler(
        JobSchedule schedule,
        IServiceProvider services,
        NotificationPublisher notifications,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider time,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<JobScheduler> logger)
    {
        _schedule = schedule;
        _jobLock = services.GetService<IJobLock>() ?? throw new DbResilienceConfigurationException(SchedulerRequirement.Message);
        _history = services.GetService<IJobHistory>() ?? throw new DbResilienceConfigurationException(SchedulerRequirement.Message);
        _notifications = notifications;
        _time = time;
        _logger = logger;
        Runner = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>Gets how this scheduler names itself in the job history: host, process id and instance.</summary>
    public string Runner { get; }

    /// <summary>Gets a task that completes once the scheduler has planned its first instants and waits on the clock (for tests).</summary>
    internal Task Planned => _planned.Task;

    /// <summary>Raised when this scheduler is done with an instant of a job: run, skipped or refused (for tests).</summary>
    internal event Action<JobRunContext>? RunFinished;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = _schedule.Plan().Where(p => p.Runs).ToArray();
        Log.SchedulerStarted(_logger, jobs.Length, Runner);
        if (jobs.Length == 0)
        {
            _planned.TrySetResult();
            return;
        }

        var start = _time.GetUtcNow();
        var next = new Dictionary<string, DateTimeOffset?>(StringComparer.OrdinalIgnoreCase);
        foreach (var job in jobs)
        {
            next[job.Name] = job.Schedule.Next(start);
        }

        try
        {
            await CatchUpAsync(jobs, start, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var due = next.Values.Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                var wait = due == DateTimeOffset.MaxValue ? s_maxWait : due - _time.GetUtcNow();
                Log.Waiting(_logger, due, wait);
                if (wait > TimeSpan.Zero)
                {
                    // Planned once the first wait is registered with the clock: a clock moved after that wakes it, and one moved
                    // between reading it and registering the wait is seen by reading it again.
                    using var moved = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var delay = Task.Delay(wait < s_maxWait ? wait : s_maxWait, _time, moved.Token);
                    _planned.TrySetResult();
                    if (due > _time.GetUtcNow())
                    {
                        await delay.ConfigureAwait(false);
                    }
                    else
                    {
                        await moved.CancelAsync().ConfigureAwait(false);
                    }
                }

                _planned.TrySetResult();

                var now = _time.GetUtcNow();
                foreach (var job in jobs)
                {
                    if (next[job.Name] is not { } instant || instant > now)
                    {
                        continue;
                    }

                    // The latest instant that has come; earlier ones that passed meanwhile are not queued.
                    while (job.Schedule.Next(instant) is { } later && later <= now)
                    {
                        Log.InstantPassed(_logger, job.Name, instant);
                        instant = later;
                    }

                    next[job.Name] = job.Schedule.Next(instant);
                    _ = Start(job, instant, isCatchUp: false, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _planned.TrySetResult();

            // Every run records its end (cancelled) before the host goes; a run that ignores cancellation is not waited for
            // beyond its own timeout. The catch-up chain starts nothing once stopping.
            await _catchingUp.ConfigureAwait(false);
            Task[] running;
            lock (_running)
            {
                running = _running.Values.ToArray();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            Log.SchedulerStopped(_logger, Runner);
        }
    }

    private async Task CatchUpAsync(IReadOnlyList<PlannedJob> jobs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var missedRuns = new List<(PlannedJob Job, DateTimeOffset Missed)>();
        foreach (var job in jobs.Where(j => j.Options.MissedRuns == MissedRunPolicy.RunOnce))
        {
            if (job.Schedule.Previous(now) is not { } missed)
            {
                continue;
            }

            IReadOnlyList<JobRun> last;
            try
            {
                last = await _history.ListAsync(job.Name, 1, cancellationToken).ConfigureAwait(false);
            }
            catch (DbResilienceException ex)
            {
                Log.HistoryUnavailable(_logger, job.Name, ex);
                continue;
            }

            if (last.Count == 0 || last[0].ScheduledFor < missed)
            {
                Log.CatchingUp(_logger, job.Name, missed);
                missedRuns.Add((job, missed));
            }
        }

        // One after another: missed jobs often share a lock (the backup tiers on a first start), and at once all but one
        // would be refused and recorded as failed. The scheduler's own loop goes on meanwhile.
        _catchingUp = Task.Run(
            async () =>
            {
                foreach (var (job, missed) in missedRuns)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    if (Start(job, missed, isCatchUp: true, cancellationToken) is { } run)
                    {
                        await run.ConfigureAwait(false);
                    }
                }
            },
            CancellationToken.None);
    }

    /// <summary>Starts one instant of a job unless the job is still running; returns the run, or <see langword="null"/>.</summary>
    private Task? Start(PlannedJob job, DateTimeOffset instant, bool isCatchUp, CancellationToken stoppingToken)
    {
        lock (_running)
        {
            if (_running.TryGetValue(job.Name, out var previous) && !previous.IsCompleted)
            {
                Log.StillRunning(_logger, job.Name, instant);
                return null;
            }

            var context = new JobRunContext { JobName = job.Name, ScheduledFor = instant, IsCatchUp = isCatchUp };
            var run = Task.Run(() => RunOnceAsync(job, context, stoppingToken), CancellationToken.None);
            _running[job.Name] = run;
            if (RunFinished is { } finished)
            {
                // After the task completes, so that whoever listens sees the job free for its next instant.
                _ = run.ContinueWith(_ => finished(context), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            return run;
        }
    }

    /// <summary>Runs one instant of a job: lock, history, the work under its timeout, the end recorded, metrics, notifications.</summary>
    internal async Task RunOnceAsync(PlannedJob job, JobRunContext context, CancellationToken stoppingToken)
    {
        DbResilienceNotification? notification;
        try
        {
            notification = await RunLockedAsync(job, context, stoppingToken).ConfigureAwait(false);
        }
        catch (ConcurrentJobException)
        {
            Log.RunningElsewhere(_logger, job.Name, context.ScheduledFor);
            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // The lock or the history could not be reached: the instant did not run here, and nobody may know.
            Log.CouldNotRun(_logger, job.Name, context.ScheduledFor, ex);
            notification = new DbResilienceNotification
            {
                Operation = job.Job!.Operation,
                Severity = NotificationSeverity.Failure,
                Summary = $"{job.Name} could not start for {context.ScheduledFor:u}: {ex.Message}",
                Error = ex.Message,
                Job = job.Name,
                OccurredAt = _time.GetUtcNow(),
            };
        }

        if (notification is not null)
        {
            await _notifications.PublishAsync(notification, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<DbResilienceNotification?> RunLockedAsync(PlannedJob job, JobRunContext context, CancellationToken stoppingToken)
    {
        var lease = await _jobLock.AcquireAsync("job:" + job.Name, stoppingToken).ConfigureAwait(false);
        await using (lease.ConfigureAwait(false))
        {
            var startedAt = _time.GetUtcNow();
            if (await _history.TryStartAsync(context, startedAt, Runner, stoppingToken).ConfigureAwait(false) is not { } runId)
            {
                Log.AlreadyRun(_logger, job.Name, context.ScheduledFor);
                return null;
            }

            using var activity = LibraryMetrics.ActivitySource.StartActivity("dbresilience.job " + job.Name);
            activity?.SetTag(DbResilienceTelemetry.JobNameTag, job.Name);
            activity?.SetTag("dbresilience.job.scheduled_for", context.ScheduledFor.ToString("O", CultureInfo.InvariantCulture));
            Log.JobStarted(_logger, job.Name, context.ScheduledFor, context.IsCatchUp);

            var (result, error) = await ExecuteWithTimeoutAsync(job, context, stoppingToken).ConfigureAwait(false);
            var finishedAt = _time.GetUtcNow();
            var duration = finishedAt - startedAt;
            var outcome = OutcomeTag(result.Outcome);
            activity?.SetTag(DbResilienceTelemetry.JobOutcomeTag, outcome);
            if (result.Outcome is JobOutcome.Failed or JobOutcome.TimedOut)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error ?? result.Summary);
            }

            try
            {
                await _history.FinishAsync(runId, finishedAt, result, error, CancellationToken.None).ConfigureAwait(false);
            }
            catch (DbResilienceException ex)
            {
                Log.HistoryUnavailable(_logger, job.Name, ex);
            }

            LibraryMetrics.RecordJobRun(job.Name, outcome, duration, finishedAt, result.Outcome == JobOutcome.Succeeded);
            Log.JobFinished(_logger, job.Name, context.ScheduledFor, result.Outcome, (long)duration.TotalMilliseconds, result.Summary ?? error);
            return new DbResilienceNotification
            {
                Operation = job.Job!.Operation,
                Severity = result.Outcome switch
                {
                    JobOutcome.Succeeded => NotificationSeverity.Success,
                    JobOutcome.Warning => NotificationSeverity.Warning,
                    _ => NotificationSeverity.Failure,
                },
                Summary = $"{job.Name} {Describe(result.Outcome)}" + (result.Summary is null ? string.Empty : ": " + result.Summary),
                Job = job.Name,
                Database = result.Database,
                Duration = duration,
                SizeBytes = result.SizeBytes,
                BackupId = result.BackupId,
                Error = error,
                OccurredAt = finishedAt,
            };
        }
    }

    private async Task<(JobRunResult Result, string? Error)> ExecuteWithTimeoutAsync(PlannedJob job, JobRunContext context, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(job.Options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        var work = Task.Run(() => job.Job!.RunAsync(context, linked.Token), CancellationToken.None);
        try
        {
            // WaitAsync: a job that ignores its token is left behind at the timeout rather than waited for. One timer, registered
            // before the job started: the timeout counts from there whatever the clock does meanwhile.
            var result = await work.WaitAsync(linked.Token).ConfigureAwait(false);
            return (result, result.Outcome is JobOutcome.Failed ? result.Summary : null);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && timeout.IsCancellationRequested && !stoppingToken.IsCancellationRequested))
        {
            await timeout.CancelAsync().ConfigureAwait(false);
            var message = $"did not finish within its timeout of {job.Options.Timeout} and was cancelled";
            return (new JobRunResult { Outcome = JobOutcome.TimedOut, Summary = message }, message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            var message = "the application stopped while the job ran";
            return (new JobRunResult { Outcome = JobOutcome.Cancelled, Summary = message }, message);
        }
        catch (Exception ex)
        {
            return (new JobRunResult { Outcome = JobOutcome.Failed, Summary = ex.Message }, ex.Message);
        }
    }

    internal static string OutcomeTag(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Succeeded => "succeeded",
        JobOutcome.Warning => "warning",
        JobOutcome.Failed => "failed",
        JobOutcome.TimedOut => "timed_out",
        _ => "cancelled",
    };

    private static string Describe(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Succeeded => "succeeded",
        JobOutcome.Warning => "succeeded with a warning",
        JobOutcome.Failed => "FAILED",
        JobOutcome.TimedOut => "TIMED OUT",
        _ => "was cancelled",
    };
}
