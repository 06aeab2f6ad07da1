using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// One configured storage, as a storage package hands it to <see cref="StorageBuilderExtensions.UseStorage(DbResilienceBuilder, StorageRegistration)"/>
/// or <see cref="StorageBuilderExtensions.AddStorage(DbResilienceBuilder, StorageRegistration)"/>: the builder call, how to
/// create the provider, and the problems found in its settings, which are reported with every other configuration problem.
/// </summary>
/// <remarks>
/// This is how the S3 package registers its provider, and how a third-party provider package gets the same experience:
/// validate the settings when the builder call is made, put the problems here, and create the provider only when the
/// storage set is first resolved.
/// </remarks>
public sealed class StorageRegistration
{
    /// <summary>Initializes a new instance of the <see cref="StorageRegistration"/> class.</summary>
    /// <param name="call">The builder call, for messages, for example <c>UseFileSystemStorage("/var/backups")</c>.</param>
    /// <param name="factory">Creates the provider once; the storage set owns and disposes it.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="call"/> is empty.</exception>
    public StorageRegistration(string call, Func<IServiceProvider, IStorageProvider> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(call);
        ArgumentNullException.ThrowIfNull(factory);
        Call = call;
        Factory = factory;
    }

    /// <summary>Gets the builder call, for messages, for example <c>UseFileSystemStorage("/var/backups")</c>.</summary>
    public string Call { get; }

    /// <summary>Gets the function that creates the provider; the storage set owns and disposes what it returns.</summary>
    public Func<IServiceProvider, IStorageProvider> Factory { get; }

    /// <summary>
    /// Gets the storage's display name when it is known before the provider is created (used to refuse the same place
    /// configured twice), or <see langword="null"/>. The default value is <see langword="null"/>.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Gets what is wrong with the storage's settings, each saying how to fix it. The default value is empty (valid).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
