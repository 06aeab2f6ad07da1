using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Adds point-in-time recovery (base backups, WAL archiving, restores to a point) to a <see cref="DbResilienceBuilder"/>.</summary>
public static class PointInTimeBuilderExtensions
{
    /// <summary>
    /// Enables point-in-time recovery: registers <see cref="BaseBackupService"/>, <see cref="WalArchive"/> and
    /// <see cref="PointInTimeRestorer"/> and <see cref="PointInTimeDrill"/>, which write to and read from the configured storages. Needs
    /// <c>UsePostgreSql(...)</c> and at least one storage.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder EnablePointInTimeRecovery(this DbResilienceBuilder builder, Action<PointInTimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddPostgreSqlCore();
        services.AddStorageSet(requiredBy: "EnablePointInTimeRecovery()");
        if (!services.Any(d => d.ServiceType == typeof(PointInTimeRestorer)))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PointInTimeOptions>, PointInTimeOptionsValidator>());
            services.AddOptions<PointInTimeOptions>().ValidateOnStart();
            services.TryAddSingleton<WalArchive>();
            services.TryAddSingleton<BaseBackupService>();
            // Restores and drills are recorded in recovery_history, like every restore and drill of a logical backup.
            services.TryAddSingleton(sp => new PointInTimeRestorer(
                sp.GetRequiredService<BaseBackupService>(),
                sp.GetRequiredService<WalArchive>(),
                sp.GetRequiredService<IOptions<PostgreSqlOptions>>(),
                sp.GetRequiredService<IOptions<PointInTimeOptions>>(),
                sp.GetRequiredKeyedService<ILogger<PointInTimeRestorer>>(DbResilienceBuilder.ServiceKey))
            {
                History = sp.GetRequiredService<RecoveryHistory>(),
                Time = sp.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey),
            });
            // Base backups are restored through IRestoreService like every other backup; an application's strategy for them wins.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IRestoreStrategy, PointInTimeRestoreStrategy>(
                sp => new PointInTimeRestoreStrategy(sp.GetRequiredService<PointInTimeRestorer>())));
            services.TryAddSingleton(sp => new PointInTimeDrill(
                sp.GetRequiredService<BaseBackupService>(),
                sp.GetRequiredService<PointInTimeRestorer>(),
                sp.GetRequiredService<IOptions<PostgreSqlOptions>>(),
                sp.GetRequiredKeyedService<TimeProvider>(DbResilienceBuilder.ServiceKey),
                sp.GetRequiredService<IOptions<DrillOptions>>())
            {
                History = sp.GetRequiredService<RecoveryHistory>(),
                Restores = sp.GetRequiredService<IRestoreService>(),
            });
            services.TryAddSingleton<PointInTimeRetention>();
            services.TryAddSingleton<IBaseBackupRetention>(sp => sp.GetRequiredService<PointInTimeRetention>());
            services.TryAddSingleton<PointInTimeSetup>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Enables continuous WAL streaming: registers <see cref="WalReceiver"/> and the hosted <see cref="WalReceiverService"/>,
    /// which streams from a physical replication slot into the storages for the life of the host. Also enables point-in-time recovery.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options (slot, flush interval, synchronous mode); <see langword="null"/> keeps the defaults.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder EnableWalStreaming(this DbResilienceBuilder builder, Action<PointInTimeOptions>? configure = null)
    {
        builder.EnablePointInTimeRecovery(configure);
        builder.Services.TryAddSingleton<WalReceiver>();
        builder.Services.TryAddSingleton<WalReceiverService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, WalReceiverService>(sp => sp.GetRequiredService<WalReceiverService>()));
        return builder;
    }
}
