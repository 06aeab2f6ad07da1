using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.Configuration;

namespace Inknowing.DbResilience.Azure.DependencyInjection;

/// <summary>Binds Azure Blob storage from the <c>DbResilience</c> configuration section.</summary>
public static class AzureBlobConfigurationExtensions
{
    /// <summary>
    /// Uses the Azure Blob container described by the <c>Storage:AzureBlob</c> section of <paramref name="configuration"/>
    /// (usually <c>configuration.GetSection("DbResilience")</c>) as the primary storage, or as a second copy when
    /// <paramref name="asCopy"/> is <see langword="true"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The <c>DbResilience</c> section.</param>
    /// <param name="asCopy"><see langword="true"/> to add the container as a copy beside the primary storage (<c>AddAzureBlobStorage</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// The credential comes from the same section: <c>ConnectionString</c>, or <c>AccountName</c> with <c>AccountKey</c>. Both
    /// are secrets: supply them from a secret store or an environment variable
    /// (<c>DbResilience__Storage__AzureBlob__ConnectionString</c>), never from a file in source control; their values never
    /// appear in problems, logs or names. A token credential (<see cref="AzureBlobStorageOptions.Credential"/>) is set in code.
    /// Every problem (an unknown key, a value of the wrong type, a missing or second credential) is reported when the
    /// configuration is validated, naming the section and the key to fix.
    /// </remarks>
    public static DbResilienceBuilder UseAzureBlobStorage(this DbResilienceBuilder builder, IConfiguration configuration, bool asCopy = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Storage").GetSection("AzureBlob");
        var bound = builder.CheckSection<AzureBlobStorageOptions>(section, (c, o, b) => c.Bind(o, b));
        var source = $"configuration section '{section.Path}'";
        return asCopy
            ? builder.AddStorage(AzureBlobStorageBuilderExtensions.Registration("AddAzureBlobStorage", o => bound.Bind(o), source))
            : builder.UseStorage(AzureBlobStorageBuilderExtensions.Registration("UseAzureBlobStorage", o => bound.Bind(o), source));
    }
}
