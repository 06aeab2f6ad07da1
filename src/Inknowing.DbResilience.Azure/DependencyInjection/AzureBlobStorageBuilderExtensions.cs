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

    /// <summary>Describes the storage for the builder: the options set and validated now, the provider made on first use.</summary>
    /// <param name="method">The builder call, named in problems.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="source">Where the options came from when not from code (a configuration section), named in problems.</param>
    internal static StorageRegistration Registration(string method, Action<AzureBlobStorageOptions> configure, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AzureBlobStorageOptions();
        configure(options);
        var problems = options.Validate();
        var call = problems.Count == 0 ? $"{method}({AzureBlobStorageProvider.DisplayName(options)})" : $"{method}({source ?? "..."})";
        return new StorageRegistration(call, sp => new AzureBlobStorageProvider(options, sp.GetRequiredKeyedService<ILogger<AzureBlobStorageProvider>>(DbResilienceBuilder.ServiceKey)))
        {
            Name = problems.Count == 0 ? AzureBlobStorageProvider.DisplayName(options) : null,
            Problems = problems,
        };
    }
}
