using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// The services built by <see cref="DbResilienceBuilder.Build"/> for use without an application host,
/// for example <c>host.GetRequiredService&lt;IMigrationRunner&gt;()</c>.
/// </summary>
public sealed class DbResilienceHost : IServiceProvider, IAsyncDisposable, IDisposable
{
    private readonly ServiceProvider _provider;

    internal DbResilienceHost(ServiceProvider provider) => _provider = provider;

    /// <summary>Gets the service of a type, or <see langword="null"/> when none is registered.</summary>
    /// <param name="serviceType">The service type.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    public object? GetService(Type serviceType) => _provider.GetService(serviceType);

    /// <summary>Gets the service of a type.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <returns>The service.</returns>
    /// <exception cref="InvalidOperationException">No service of that type is registered; call the builder method that adds the capability.</exception>
    public T GetRequiredService<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => _provider.Dispose();
}
