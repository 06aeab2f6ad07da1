using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>
/// Configures restores, integrity checks and recovery drills of the PostgreSQL database. <c>UsePostgreSql(...)</c>
/// already registers <see cref="IRestoreService"/>, <see cref="IIntegrityChecker"/> and <see cref="IDrillRunner"/> with defaults.
/// </summary>
public static class RecoveryBuilderExtensions
{
    /// <summary>Edits the restore options (temporary directory, maintenance database, recovery history).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder ConfigureRestores(this DbResilienceBuilder builder, Action<RestoreOptions> configure)
        => Configure(builder, configure);

    /// <summary>Edits the integrity check options (amcheck, replication lag limit).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder ConfigureIntegrityChecks(this DbResilienceBuilder builder, Action<IntegrityCheckOptions> configure)
        => Configure(builder, configure);

    /// <summary>Edits the drill options (maximum backup age, recovery time objective, smoke queries, throwaway cluster).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder ConfigureDrills(this DbResilienceBuilder builder, Action<DrillOptions> configure)
        => Configure(builder, configure);

    /// <summary>Registers restores, integrity checks and drills once; called by <c>AddPostgreSqlCore()</c>.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddPostgreSqlRecovery(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RecoveryOptionsValidator)))
        {
            return services;
        }

        services.AddSingleton<RecoveryOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RestoreOptions>, RecoveryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DrillOptions>, RecoveryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IntegrityCheckOptions>, RecoveryOptionsValidator>());
        services.AddOptions<RestoreOptions>().ValidateOnStart();
        services.AddOptions<DrillOptions>().ValidateOnStart();
        services.AddOptions<IntegrityCheckOptions>().ValidateOnStart();
        services.TryAddSingleton<PgRestoreStrategy>();
        services.TryAddSingleton<PsqlRestoreStrategy>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRestoreStrategy, PgRestoreStrategy>(sp => sp.GetRequiredService<PgRestoreStrategy>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRestoreStrategy, PsqlRestoreStrategy>(sp => sp.GetRequiredService<PsqlRestoreStrategy>()));
        services.TryAddSingleton<TableRestorer>();
        services.TryAddSingleton<RecoveryHistory>();
        services.TryAddSingleton<IRestoreService, PostgreSqlRestoreService>();
        services.TryAddSingleton<IIntegrityChecker, PostgreSqlIntegrityChecker>();
        services.TryAddSingleton<IDrillRunner, PostgreSqlDrillRunner>();
        return services;
    }

    private static DbResilienceBuilder Configure<TOptions>(DbResilienceBuilder builder, Action<TOptions> configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddPostgreSqlCore();
        builder.Services.Configure(configure);
        return builder;
    }
}
