using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.Configuration;

namespace Inknowing.DbResilience.S3.DependencyInjection;

/// <summary>Binds S3 storage from the <c>DbResilience</c> configuration section.</summary>
public static class S3ConfigurationExtensions
{
    /// <summary>
    /// Uses the S3 bucket described by the <c>Storage:S3</c> section of <paramref name="configuration"/> (usually
    /// <c>configuration.GetSection("DbResilience")</c>) as the primary storage, or as a second copy when
    /// <paramref name="asCopy"/> is <see langword="true"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The <c>DbResilience</c> section.</param>
    /// <param name="asCopy"><see langword="true"/> to add the bucket as a copy beside the primary storage (<c>AddS3Storage</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// Credentials are not read from configuration: the AWS SDK's default chain (environment variables such as
    /// <c>AWS_ACCESS_KEY_ID</c>, profiles, instance roles) supplies them, or set <see cref="S3StorageOptions.Credentials"/> in code.
    /// </remarks>
    public static DbResilienceBuilder UseS3Storage(this DbResilienceBuilder builder, IConfiguration configuration, bool asCopy = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Storage").GetSection("S3");
        var bound = builder.CheckSection<S3StorageOptions>(section, (c, o, b) => c.Bind(o, b));
        return asCopy ? builder.AddS3Storage(o => bound.Bind(o)) : builder.UseS3Storage(o => bound.Bind(o));
    }
}
