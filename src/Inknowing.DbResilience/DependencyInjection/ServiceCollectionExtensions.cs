using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Registers Inknowing.DbResilience in an application's services.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds Inknowing.DbResilience and configures it, for example
    /// <c>services.AddDbResilience(b =&gt; b.UsePostgreSql(connectionString).UseFileSystemStorage("/var/backups"))</c>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Configures the capabilities.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>The configuration is validated when the host starts; every problem is reported at once.</remarks>
    public static IServiceCollection AddDbResilience(this IServiceCollection services, Action<DbResilienceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(services.AddDbResilience());
        return services;
    }

    /// <summary>Adds Inknowing.DbResilience and returns a builder to configure it.</summary>
    /// <param name="services">The application's services.</param>
    /// <returns>A builder that registers into <paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static DbResilienceBuilder AddDbResilience(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new DbResilienceBuilder(services);
    }

    /// <summary>
    /// Adds Inknowing.DbResilience configured from <paramref name="configuration"/>, usually
    /// <c>services.AddDbResilience(configuration.GetSection("DbResilience"))</c>, then by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The <c>DbResilience</c> section (appsettings, environment variables).</param>
    /// <param name="configure">Configures what the configuration does not hold (migration sources, the PostgreSQL and S3 sections); optional.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>Every problem, unknown keys and values of the wrong type included, is reported at once when the host starts.</remarks>
    public static IServiceCollection AddDbResilience(this IServiceCollection services, IConfiguration configuration, Action<DbResilienceBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddDbResilience().BindConfiguration(configuration);
        configure?.Invoke(builder);
        return services;
    }
}
