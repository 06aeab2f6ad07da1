using Inknowing.DbResilience.DependencyInjection;

namespace Inknowing.DbResilience.ExtensibilityTests.Plugins;

/// <summary>The builder verb a storage package ships, made with the public <see cref="StorageRegistration"/> as the S3 package does.</summary>
public static class MemoryStorageBuilderExtensions
{
    /// <summary>Sets the primary storage to memory; an empty name is reported with every other configuration problem.</summary>
    public static DbResilienceBuilder UseMemoryStorage(this DbResilienceBuilder builder, MemoryStorageProvider storage)
        => builder.UseStorage(new StorageRegistration($"UseMemoryStorage({storage.Name})", _ => storage)
        {
            Name = storage.Name,
            Problems = storage.Name == "memory://" ? ["the name is empty: give the store a name."] : [],
        });
}
