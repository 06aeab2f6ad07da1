using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Azure.DependencyInjection;

/// <summary>Adds Azure Blob storages to a <see cref="DbResilienceBuilder"/>.</summary>
public static class AzureBlobStorageBuilderExtensions
{
    /// <summary>
    /// Sets the primary storage to an Azure Blob container, replacing any earlier <c>Use*Storage</c> call, for example
    /// <c>b.UseAzureBlobStorage(o =&gt; { o.ContainerName = "backups"; o.Prefix = "app-db"; o.ConnectionString = cs; })</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options; run once, now.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>Invalid options are reported when the configuration is validated, with every other problem.</remarks>
    public static DbResilienceBuilder UseAzureBlobStorage(this DbResilienceBuilder builder, Action<AzureBlobStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStorage(Registration("UseAzureBlobStorage", configure));
    }

    /// <summary>Adds a copy in an Azure Blob container beside the primary storage (for example offsite).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options; run once, now.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddAzureBlobStorage(this DbResilienceBuilder builder, Action<AzureBlobStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddStorage(Registration("AddAzureBlobStorage", configure));
    }

    private static StorageRegistration Registration(string method, Action<AzureBlobStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AzureBlobStorageOptions();
        configure(options);
        var problems = options.Validate();
        var call = problems.Count == 0 ? $"{method}({AzureBlobStorageProvider.DisplayName(options)})" : $"{method}(...)";
        return new StorageRegistration(call, sp => new AzureBlobStorageProvider(options, sp.GetRequiredKeyedService<ILogger<AzureBlobStorageProvider>>(DbResilienceBuilder.ServiceKey)))
        {
            Name = problems.Count == 0 ? AzureBlobStorageProvider.DisplayName(options) : null,
            Problems = problems,
        };
    }
}
