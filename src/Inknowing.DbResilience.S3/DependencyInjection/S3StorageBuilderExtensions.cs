using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.S3.DependencyInjection;

/// <summary>Adds S3 storages (AWS or any S3-compatible store) to a <see cref="DbResilienceBuilder"/>.</summary>
public static class S3StorageBuilderExtensions
{
    /// <summary>
    /// Sets the primary storage to an S3 bucket, replacing any earlier <c>Use*Storage</c> call, for example
    /// <c>b.UseS3Storage(o =&gt; { o.BucketName = "backups"; o.Prefix = "app-db"; })</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options; run once, now.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>Invalid options are reported when the configuration is validated, with every other problem.</remarks>
    public static DbResilienceBuilder UseS3Storage(this DbResilienceBuilder builder, Action<S3StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStorage(Registration("UseS3Storage", configure));
    }

    /// <summary>Adds a copy in an S3 bucket beside the primary storage (for example offsite, or another storage class).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options; run once, now.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddS3Storage(this DbResilienceBuilder builder, Action<S3StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddStorage(Registration("AddS3Storage", configure));
    }

    private static StorageRegistration Registration(string method, Action<S3StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new S3StorageOptions();
        configure(options);
        var problems = options.Validate();
        var call = problems.Count == 0 ? $"{method}({S3StorageProvider.DisplayName(options)})" : $"{method}(...)";
        return new StorageRegistration(call, sp => new S3StorageProvider(options, sp.GetRequiredKeyedService<ILogger<S3StorageProvider>>(DbResilienceBuilder.ServiceKey)))
        {
            Name = problems.Count == 0 ? S3StorageProvider.DisplayName(options) : null,
            Problems = problems,
        };
    }
}
