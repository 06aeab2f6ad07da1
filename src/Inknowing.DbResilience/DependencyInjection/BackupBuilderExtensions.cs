using Inknowing.DbResilience.Backups;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Adds the options of logical backups to a <see cref="DbResilienceBuilder"/>.</summary>
public static class BackupBuilderExtensions
{
    /// <summary>
    /// Edits the options of logical backups (format, content, encryption, retention, catalog). <see cref="IBackupService"/>
    /// is available once a database is set (<c>UsePostgreSql</c>) and a storage is configured, with or without this call.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder ConfigureBackups(this DbResilienceBuilder builder, Action<BackupOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddBackupsCore();
        builder.Services.AddStorageCore(requiredBy: "ConfigureBackups(...)");
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers the backup service and its validated options, once. Without a storage, resolving
    /// <see cref="IBackupService"/> throws a <see cref="DbResilienceConfigurationException"/> naming the calls that add one.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddBackupsCore(this IServiceCollection services)
    {
        if (!services.TryAddValidatedOptions<BackupOptions, BackupOptionsValidator>())
        {
            return services;
        }

        services.AddStorageCore(requiredBy: null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>, BackupTargetRequirement>());
        services.TryAddSingleton<IBackupService, BackupService>();
        return services;
    }
}
