using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Registers the library's health checks with the application's health checks, in one call.</summary>
public static class HealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds the library's health checks to the application's (<c>AddHealthChecks()</c>), each tagged
    /// <see cref="HealthCheckNames.Tag"/>: backup freshness, the last verification, drill and integrity check, storage
    /// reachable, pending or drifted migrations and, with the PostgreSQL package, WAL archiving and the WAL receiver's lag.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the thresholds, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder EnableHealthChecks(this DbResilienceBuilder builder, Action<DbResilienceHealthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.TryAddValidatedOptions<DbResilienceHealthOptions, DbResilienceHealthOptionsValidator>())
        {
            services.AddHealthChecks();
            AddCheck(services, HealthCheckNames.BackupFreshness, sp => new BackupFreshnessHealthCheck(sp, Options(sp), Clock(sp)));
            AddCheck(services, HealthCheckNames.Verification, sp => new VerificationHealthCheck(sp, Options(sp), Clock(sp)));
            AddCheck(services, HealthCheckNames.Drill, sp => new JobResultHealthCheck(sp, Clock(sp), ScheduledJobNames.RestoreDrill, "restore drill", o => o.DrillDegradedAfter));
            AddCheck(services, HealthCheckNames.Integrity, sp => new JobResultHealthCheck(sp, Clock(sp), ScheduledJobNames.Integrity, "integrity check", o => o.IntegrityDegradedAfter));
            AddCheck(services, HealthCheckNames.Storage, sp => new StorageHealthCheck(sp));
            AddCheck(services, HealthCheckNames.Migrations, sp => new MigrationsHealthCheck(sp));

            // Checks that other packages register under the library's key (the PostgreSQL package: WAL archiving, the WAL
            // receiver) join the application's, whatever the order of the calls.
            services.AddOptions<HealthCheckServiceOptions>().Configure<IServiceProvider>((o, sp) =>
            {
                foreach (var registration in sp.GetKeyedServices<HealthCheckRegistration>(DbResilienceBuilder.ServiceKey))
                {
                    o.Registrations.Add(registration);
                }
            });
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Returns a registration of one of the library's checks (tagged <see cref="HealthCheckNames.Tag"/>), for a package to
    /// add under <see cref="DbResilienceBuilder.ServiceKey"/>; <see cref="EnableHealthChecks"/> hands it to the application's.
    /// </summary>
    /// <param name="name">The check's name.</param>
    /// <param name="factory">Creates the check.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static HealthCheckRegistration CreateRegistration(string name, Func<IServiceProvider, IHealthCheck> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        return new HealthCheckRegistration(name, factory, failureStatus: HealthStatus.Unhealthy, tags: [HealthCheckNames.Tag]);
    }

    private static void AddCheck(IServiceCollection services, string name, Func<IServiceProvider, IHealthCheck> factory)
        => services.AddHealthChecks().Add(CreateRegistration(name, factory));

    private static IOptions<DbResilienceHealthOptions> Options(IServiceProvider services) => services.GetRequiredService<IOptions<DbResilienceHealthOptions>>();

    private static TimeProvider Clock(IServiceProvider services) => services.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey);
}
