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
        return builder.SetPrimaryStorage(FileSystem($"UseFileSystemStorage(\"{path}\")", path));
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
        return builder.AddStorageCopy(FileSystem($"AddFileSystemStorage(\"{path}\")", path));
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
        return builder.SetPrimaryStorage(new StorageRegistration(
            $"UseStorage<{typeof(T).Name}>()", null, sp => ActivatorUtilities.CreateInstance<T>(sp), []));
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
        return builder.AddStorageCopy(new StorageRegistration("AddStorage(factory)", null, factory, []));
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
        return builder.AddStorageCopy(new StorageRegistration($"AddStorage({provider.Name})", provider.Name, _ => provider, []));
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
        return builder.AddStorageCopy(new StorageRegistration(
            $"AddStorage<{typeof(T).Name}>()", null, sp => ActivatorUtilities.CreateInstance<T>(sp), []));
    }

    /// <summary>Fills the primary storage slot (used by the storage packages' <c>Use*Storage</c> methods).</summary>
    internal static DbResilienceBuilder SetPrimaryStorage(this DbResilienceBuilder builder, StorageRegistration registration)
    {
        builder.Services.AddStorageCore();
        builder.Services.Configure<StorageSetOptions>(o => o.Primary = registration);
        return builder;
    }

    /// <summary>Appends a copy (used by the storage packages' <c>Add*Storage</c> methods).</summary>
    internal static DbResilienceBuilder AddStorageCopy(this DbResilienceBuilder builder, StorageRegistration registration)
    {
        builder.Services.AddStorageCore();
        builder.Services.Configure<StorageSetOptions>(o => o.Copies.Add(registration));
        return builder;
    }

    /// <summary>
    /// Registers, once, the validated storage configuration and <see cref="IStorageSet"/>. Capabilities that need storage
    /// (backups, WAL archiving) call it too, so that a missing storage is reported at start-up with the call that fixes it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddStorageCore(this IServiceCollection services)
    {
        if (!services.TryAddValidatedOptions<StorageSetOptions, StorageSetOptionsValidator>())
        {
            return services;
        }

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageSetOptions>>().Value;
            var providers = new List<IStorageProvider>();
            foreach (var registration in options.All)
            {
                providers.Add(registration.Factory(sp));
            }

            return new StorageSet(providers, ownsProviders: true, sp.GetRequiredService<ILogger<StorageSet>>(), StorageSet.ChunkSize);
        });
        services.TryAddSingleton<IStorageSet>(sp => sp.GetRequiredService<StorageSet>());
        return services;
    }

    private static StorageRegistration FileSystem(string call, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new StorageRegistration(call, null, _ => throw new InvalidOperationException(call + " has an empty path."),
                ["the path is empty: give the directory that holds the backups, for example /var/backups/app."]);
        }

        string root;
        try
        {
            root = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new StorageRegistration(call, null, _ => throw new InvalidOperationException(call + " has an invalid path."),
                [$"the path is not valid ({ex.Message}): give a directory path."]);
        }

        var problems = File.Exists(root)
            ? new[] { $"'{root}' is a file, not a directory: give the directory that holds the backups." }
            : [];
        var provider = problems.Length == 0 ? new FileSystemStorageProvider(root) : null;
        return new StorageRegistration(call, provider?.Name, _ => new FileSystemStorageProvider(root), problems);
    }
}
