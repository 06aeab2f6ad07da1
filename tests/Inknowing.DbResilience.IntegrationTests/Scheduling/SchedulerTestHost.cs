using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>One replica of an application that runs the scheduler: its own container and scheduler, the shared database and clock.</summary>
internal sealed class SchedulerTestHost : IAsyncDisposable
{
    private readonly DbResilienceHost _host;
    private bool _started;

    private SchedulerTestHost(DbResilienceHost host, JobRecorder recorder, string instance)
    {
        _host = host;
        Scheduler.RunFinished += context => recorder.Finished(instance, context);
    }

    public IServiceProvider Services => _host;

    public JobScheduler Scheduler => _host.GetServices<IHostedService>().OfType<JobScheduler>().Single();

    public static SchedulerTestHost Create(
        string connectionString, FakeTimeProvider time, JobRecorder recorder, string instance, Action<DbResilienceBuilder> configure)
    {
        // Pooled, as an application's connections are: the test databases' strings turn pooling off, and every lock and
        // history write would then pay for a new connection and its authentication.
        var builder = new DbResilienceBuilder()
            .UsePostgreSql(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true }.ConnectionString)
            .UseTimeProvider(time)
            .UseLoggerFactory(LoggerFactory.Create(l => l.AddProvider(new ProgressLoggerProvider(instance))))
            .EnableScheduler();
        builder.Services.AddSingleton(recorder);
        builder.Services.AddSingleton(new SchedulerInstance(instance));
        configure(builder);
        return new SchedulerTestHost(builder.Build(), recorder, instance);
    }

    /// <summary>Replaces every built-in job by a recording one on the default schedule, with the given missed-run policy.</summary>
    public static void RecordEveryBuiltInJob(DbResilienceBuilder builder, MissedRunPolicy missedRuns = MissedRunPolicy.Skip)
    {
        foreach (var name in SchedulerOptionsValidator.BuiltInNames)
        {
            builder.AddScheduledJob<RecordingJob>(name, configure: o => o.MissedRuns = missedRuns);
        }
    }

    public async Task StartAsync()
    {
        await Scheduler.StartAsync(CancellationToken.None);
        _started = true;

        // The scheduler reads the clock on its own thread: the test moves it only once the first instants are planned.
        await Scheduler.Planned;
    }

    public async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Scheduler.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _host.DisposeAsync();
    }
}
