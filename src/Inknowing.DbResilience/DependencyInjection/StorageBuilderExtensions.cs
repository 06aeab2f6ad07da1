using System.Diagnostics.CodeAnalysis;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// Adds storages to a <see cref="DbResilienceBuilder"/>: <c>Use*Storage</c> sets the primary storage, <c>AddStorage</c> and
/// <c>Add*Storage</c> add more copies (for example a local directory and an S3 bucket, the 3-2-1 rule). Every backup, manifest
/// and WAL segment is written to all of them through <see cref="IStorageSet"/>.
/// </summary>
public static class StorageBuilderExtensions
{
    /// <summary>Sets the primary storage to a directory on a local or mounted disk, replacing any earlier <c>Use*Storage</c> call.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The root directory; created on the first write.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>An empty or invalid path is reported when the configuration is validated, with every other problem.</remarks>
    public static DbResilienceBuilder UseFileSystemStorage(this DbResilienceBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(path);
        return builder.UseStorage(FileSystem($"UseFileSystemStorage(\"{path}\")", path));
    }

    /// <summary>Adds a copy in a directory on a local or mounted disk, beside the primary storage.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The root directory; created on the first write.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddFileSystemStorage(this DbResilienceBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(path);
        return builder.AddStorage(FileSystem($"AddFileSystemStorage(\"{path}\")", path));
    }

    /// <summary>Sets the primary storage to a custom provider created from the services, replacing any earlier <c>Use*Storage</c> call.</summary>
    /// <typeparam name="T">The provider type; its constructor's parameters are resolved from the services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UseStorage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this DbResilienceBuilder builder)
        where T : class, IStorageProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStorage(new StorageRegistration($"UseStorage<{typeof(T).Name}>()", sp => ActivatorUtilities.CreateInstance<T>(sp)));
    }

    /// <summary>Adds a copy to a storage created from the services, beside the primary storage.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the provider once; the storage set disposes it when the services are disposed.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddStorage(this DbResilienceBuilder builder, Func<IServiceProvider, IStorageProvider> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        return builder.AddStorage(new StorageRegistration("AddStorage(factory)", factory));
    }

    /// <summary>Adds a copy to an existing storage provider, beside the primary storage.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="provider">The provider; the storage set disposes it when the services are disposed.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddStorage(this DbResilienceBuilder builder, IStorageProvider provider)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(provider);
        return builder.AddStorage(new StorageRegistration($"AddStorage({provider.Name})", _ => provider) { Name = provider.Name });
    }

    /// <summary>Adds a copy to a custom provider created from the services, beside the primary storage.</summary>
    /// <typeparam name="T">The provider type; its constructor's parameters are resolved from the services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddStorage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this DbResilienceBuilder builder)
        where T : class, IStorageProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddStorage(new StorageRegistration($"AddStorage<{typeof(T).Name}>()", sp => ActivatorUtilities.CreateInstance<T>(sp)));
    }

    /// <summary>
    /// Sets the primary storage to a registration made by a storage package (its <c>Use*Storage</c> method), replacing any
    /// earlier <c>Use*Storage</c> call.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="registration">The storage: its call, factory and the problems found in its settings.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder UseStorage(this DbResilienceBuilder builder, StorageRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registration);
        builder.Services.AddStorageSet(requiredBy: "");
        builder.Services.Configure<StorageSetOptions>(o => o.Primary = registration);
        return builder;
    }

    /// <summary>Adds a copy to a registration made by a storage package (its <c>Add*Storage</c> method), beside the primary storage.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="registration">The storage: its call, factory and the problems found in its settings.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddStorage(this DbResilienceBuilder builder, StorageRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registration);
        builder.Services.AddStorageSet(requiredBy: "");
        builder.Services.Configure<StorageSetOptions>(o => o.Copies.Add(registration));
        return builder;
    }

    /// <summary>
    /// Registers, once, the validated storage configuration and <see cref="IStorageSet"/>. Capabilities that the application
    /// asked for and that cannot work without storage (<c>ConfigureBackups</c>, point-in-time recovery) pass
    /// <paramref name="requiredBy"/>, so that a missing storage is reported at start-up with the call that fixes it.
    /// Without it, a missing storage is reported (as a <see cref="DbResilienceConfigurationException"/> with the same
    /// message) only when something that needs storage is resolved, so that a configuration that only migrates needs none.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="requiredBy">
    /// The builder call that needs a storage, for the message (an empty string when the call itself adds one), or
    /// <see langword="null"/> when the storage is optional.
    /// </param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddStorageSet(this IServiceCollection services, string? requiredBy)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (requiredBy is not null)
        {
            services.Configure<StorageSetOptions>(o => o.RequiredBy.Add(requiredBy));
        }

        if (!services.TryAddValidatedOptions<StorageSetOptions, StorageSetOptionsValidator>())
        {
            return services;
        }

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageSetOptions>>().Value;
            if (!options.All.Any())
            {
                throw new DbResilienceConfigurationException(StorageSetOptionsValidator.NoStorage(options.RequiredBy));
            }

            var providers = new List<IStorageProvider>();
            foreach (var registration in options.All)
            {
                providers.Add(registration.Factory(sp));
            }

            return new StorageSet(providers, ownsProviders: true, sp.GetRequiredKeyedService<ILogger<StorageSet>>(DbResilienceBuilder.ServiceKey), StorageSet.ChunkSize);
        });
        services.TryAddSingleton<IStorageSet>(sp => sp.GetRequiredService<StorageSet>());
        return services;
    }

    private static StorageRegistration FileSystem(string call, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new StorageRegistration(call, _ => throw new InvalidOperationException(call + " has an empty path."))
            {
                Problems = ["the path is empty: give the directory that holds the backups, for example /var/backups/app."],
            };
        }

        string root;
        try
        {
            root = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new StorageRegistration(call, _ => throw new InvalidOperationException(call + " has an invalid path."))
            {
                Problems = [$"the path is not valid ({ex.Message}): give a directory path."],
            };
        }

        var problems = File.Exists(root)
            ? new[] { $"'{root}' is a file, not a directory: give the directory that holds the backups." }
            : [];
        var provider = problems.Length == 0 ? new FileSystemStorageProvider(root) : null;
        return new StorageRegistration(call, _ => new FileSystemStorageProvider(root)) { Name = provider?.Name, Problems = problems };
    }
}
