using System.Collections.Concurrent;
using Inknowing.DbResilience.Scheduling;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>What the recording jobs of one test saw: each run's job, instant, clock and scheduler instance.</summary>
internal sealed class JobRecorder : IDisposable
{
    private readonly ConcurrentQueue<RecordedRun> _runs = new();
    private readonly ConcurrentDictionary<(string Instance, string Job, DateTimeOffset ScheduledFor), bool> _finished = new();
    private readonly SemaphoreSlim _signal = new(0);

    public IReadOnlyCollection<RecordedRun> Runs => _runs;

    public void Dispose() => _signal.Dispose();

    /// <summary>Records that a scheduler instance is done with an instant of a job (ran it, or found it run or running elsewhere).</summary>
    public void Finished(string instance, JobRunContext context)
    {
        _finished[(instance, context.JobName, context.ScheduledFor)] = true;
        _signal.Release();
    }

    /// <summary>Waits until every given instance is done with an instant of each job.</summary>
    public Task WaitFinishedAsync(IEnumerable<string> instances, IEnumerable<string> jobs, DateTimeOffset instant)
    {
        var pending = instances.SelectMany(i => jobs.Select(j => (i, j, instant))).ToArray();
        return WaitUntilAsync(_ => pending.All(_finished.ContainsKey), $"{string.Join(", ", pending.Select(p => $"{p.i}/{p.j}"))} done with {instant:u}");
    }

    public void Add(RecordedRun run)
    {
        _runs.Enqueue(run);
        _signal.Release();
    }

    /// <summary>Waits (real time) until the runs satisfy a condition.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyCollection<RecordedRun>, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!condition(_runs))
        {
            try
            {
                await _signal.WaitAsync(TimeSpan.FromMilliseconds(200), cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting for {what}; recorded: {_runs.Count} run(s), the last {string.Join(", ", _runs.TakeLast(5))}");
            }
        }
    }
}

/// <summary>One recorded run.</summary>
internal sealed record RecordedRun(string Job, DateTimeOffset ScheduledFor, DateTimeOffset RanAt, string Instance, bool IsCatchUp);

/// <summary>The name a test gives a scheduler instance (one per container).</summary>
internal sealed record SchedulerInstance(string Name);

/// <summary>A job that records each run and succeeds.</summary>
internal sealed class RecordingJob(JobRecorder recorder, SchedulerInstance instance, TimeProvider time) : IScheduledJob
{
    public Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        recorder.Add(new RecordedRun(context.JobName, context.ScheduledFor, time.GetUtcNow(), instance.Name, context.IsCatchUp));
        return Task.FromResult(JobRunResult.Success("recorded"));
    }
}

/// <summary>A job that throws, as a backup whose database is gone would.</summary>
internal sealed class ThrowingJob : IScheduledJob
{
    public Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
        => throw new InvalidOperationException("the job broke on purpose");
}

/// <summary>A job that records its start, then never ends and ignores its token, the worst case a timeout must survive.</summary>
internal sealed class HangingJob(JobRecorder recorder, SchedulerInstance instance, TimeProvider time) : IScheduledJob
{
    public Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        recorder.Add(new RecordedRun(context.JobName, context.ScheduledFor, time.GetUtcNow(), instance.Name, context.IsCatchUp));
        return new TaskCompletionSource<JobRunResult>().Task;
    }
}
