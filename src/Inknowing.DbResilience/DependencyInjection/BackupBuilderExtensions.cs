using System.Diagnostics.CodeAnalysis;
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
        builder.Services.AddBackupServices();
        builder.Services.AddStorageSet(requiredBy: "ConfigureBackups(...)");
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Sets the tool that dumps the database to your own <see cref="IBackupTarget"/>, constructed from the services. It wins
    /// over the built-in one (pg_dump, from <c>UsePostgreSql</c>) whichever is called first.
    /// </summary>
    /// <typeparam name="T">The target type; its constructor's parameters are resolved from the services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UseBackupTarget<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this DbResilienceBuilder builder)
        where T : class, IBackupTarget
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseBackupTarget(ServiceDescriptor.Singleton<IBackupTarget, T>());
    }

    /// <summary>
    /// Sets the tool that dumps the database to your own <see cref="IBackupTarget"/>, created by a factory. It wins over the
    /// built-in one (pg_dump, from <c>UsePostgreSql</c>) whichever is called first.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the target once.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UseBackupTarget(this DbResilienceBuilder builder, Func<IServiceProvider, IBackupTarget> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        return builder.UseBackupTarget(ServiceDescriptor.Singleton(factory));
    }

    /// <summary>
    /// Registers the backup service and its validated options, once. Without a storage, resolving
    /// <see cref="IBackupService"/> throws a <see cref="DbResilienceConfigurationException"/> naming the calls that add one.
    /// </summary>
    /// <remarks>A package that supplies a backup target (the PostgreSQL package's pg_dump) calls it beside its own registration.</remarks>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddBackupServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.TryAddValidatedOptions<BackupOptions, BackupOptionsValidator>())
        {
            return services;
        }

        services.AddStorageSet(requiredBy: null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>, BackupTargetRequirement>());
        services.TryAddSingleton<IBackupService, BackupService>();
        return services;
    }

    /// <summary>
    /// Puts the application's target in the single slot. Built-in targets register with TryAdd, so the application's wins
    /// whether it comes before them (they add nothing) or after (it replaces them).
    /// </summary>
    private static DbResilienceBuilder UseBackupTarget(this DbResilienceBuilder builder, ServiceDescriptor descriptor)
    {
        builder.Services.AddBackupServices();
        builder.Services.Replace(descriptor);
        return builder;
    }
}
