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
}
