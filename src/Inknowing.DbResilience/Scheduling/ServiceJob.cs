using Inknowing.DbResilience.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>
/// A built-in job over one of the library's services, resolved when the job runs: a configuration without the service (no
/// storage, so no backups) makes the job unavailable rather than the scheduler fail.
/// </summary>
/// <typeparam name="TService">The service the job calls through its public interface.</typeparam>
internal abstract class ServiceJob<TService>(IServiceProvider services) : IScheduledJob
    where TService : class
{
    public abstract NotificationOperation Operation { get; }

    public bool IsAvailable
    {
        get
        {
            try
            {
                return services.GetService<TService>() is not null;
            }
            catch (DbResilienceConfigurationException)
            {
                return false;
            }
        }
    }

    public Task<JobRunResult> RunAsync(JobRunContext context, CancellationToken cancellationToken)
        => RunAsync(services.GetRequiredService<TService>(), context, cancellationToken);

    protected abstract Task<JobRunResult> RunAsync(TService service, JobRunContext context, CancellationToken cancellationToken);
}
