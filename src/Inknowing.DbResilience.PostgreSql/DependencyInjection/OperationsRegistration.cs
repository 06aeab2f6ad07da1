using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Health;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.PostgreSql.Health;
using Inknowing.DbResilience.PostgreSql.Scheduling;
using Inknowing.DbResilience.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>
/// What the core's scheduler, notifications and health checks need from PostgreSQL: the job history, the integrity and
/// point-in-time drill jobs, and the database's name for notifications. Registered with the PostgreSQL core; unused until
/// <c>EnableScheduler</c>, a notifier or <c>EnableHealthChecks</c> asks for them.
/// </summary>
internal static class OperationsRegistration
{
    public static IServiceCollection AddPostgreSqlOperations(this IServiceCollection services)
    {
        services.TryAddSingleton<IJobHistory, PostgreSqlJobHistory>();
        services.TryAddKeyedSingleton<IScheduledJob>(ScheduledJobNames.Integrity, (sp, _) => new IntegrityJob(sp));
        services.TryAddKeyedSingleton<IScheduledJob>(ScheduledJobNames.PointInTimeDrill, (sp, _) => new PointInTimeDrillJob(sp));
        services.AddKeyedSingleton(DbResilienceBuilder.ServiceKey, HealthCheckBuilderExtensions.CreateRegistration(
            HealthCheckNames.WalArchiving,
            sp => new WalArchivingHealthCheck(
                sp.GetRequiredKeyedService<NpgsqlDataSource>(DbResilienceBuilder.ServiceKey),
                sp.GetRequiredService<IOptions<DbResilienceHealthOptions>>(),
                sp.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey))));
        services.AddKeyedSingleton(DbResilienceBuilder.ServiceKey, HealthCheckBuilderExtensions.CreateRegistration(
            HealthCheckNames.WalReceiver, sp => new WalReceiverHealthCheck(sp)));
        services.AddOptions<NotificationOptions>().PostConfigure<IOptions<PostgreSqlOptions>>((notifications, postgreSql) =>
        {
            if (notifications.Database is null && postgreSql.Value.ConnectionString is { Length: > 0 } connectionString)
            {
                try
                {
                    notifications.Database = new NpgsqlConnectionStringBuilder(connectionString).Database;
                }
                catch (ArgumentException)
                {
                    // An invalid connection string is reported by the PostgreSQL options' own validation.
                }
            }
        });
        return services;
    }
}
