using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// Composes Inknowing.DbResilience: the database (<c>UsePostgreSql</c>), storages (<c>UseFileSystemStorage</c>,
/// <c>UseS3Storage</c>, <c>AddStorage</c>), migrations (<c>AddMigrations</c>) and the other capabilities,
/// which the feature packages add as extension methods.
/// </summary>
/// <remarks>
/// Verbs keep one meaning each: <c>Use*</c> fills a single slot, <c>Add*</c> appends, <c>Configure*</c> edits options,
/// <c>Enable*</c> switches a feature on. Use it through <see cref="ServiceCollectionExtensions.AddDbResilience(IServiceCollection, Action{DbResilienceBuilder})"/>
/// in a host, or create one with <see cref="DbResilienceBuilder()"/> and call <see cref="Build"/> without a host.
/// </remarks>
public sealed class DbResilienceBuilder
{
    private readonly bool _standalone;
    private bool _built;

    /// <summary>Initializes a new builder that owns its own service collection, for use without a host; finish with <see cref="Build"/>.</summary>
    public DbResilienceBuilder()
        : this(new ServiceCollection())
    {
        _standalone = true;
    }

    /// <summary>Initializes a new builder that registers into an existing service collection.</summary>
    /// <param name="services">The application's services.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
        AddCoreServices(services);
    }

    /// <summary>Gets the service collection that the builder's methods register into.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Sets the clock used for schedules, retention and ids. The default value is <see cref="TimeProvider.System"/>.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Services.RemoveAll<TimeProvider>();
        Services.AddSingleton(timeProvider);
        return this;
    }

    /// <summary>Sets the logger factory used when the builder runs without a host. The default writes nothing.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loggerFactory"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Services.RemoveAll<ILoggerFactory>();
        Services.AddSingleton(loggerFactory);
        return this;
    }

    /// <summary>
    /// Validates the configuration, reporting every problem at once, and builds the services for use without a host.
    /// </summary>
    /// <returns>The built services; dispose them when done.</returns>
    /// <exception cref="InvalidOperationException">The builder was created over an application's service collection, or was already built.</exception>
    /// <exception cref="DbResilienceConfigurationException">The configuration is incomplete or invalid.</exception>
    public DbResilienceHost Build()
    {
        if (!_standalone)
        {
            throw new InvalidOperationException(
                "This builder registers into an application's services; build the application's host instead of calling Build().");
        }

        if (_built)
        {
            throw new InvalidOperationException("Build() was already called on this builder; create a new DbResilienceBuilder.");
        }

        _built = true;
        var provider = Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            Validate(provider);
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return new DbResilienceHost(provider);
    }

    /// <summary>Runs every registered options validation and throws one exception that lists all failures.</summary>
    /// <param name="services">The built services.</param>
    /// <exception cref="DbResilienceConfigurationException">At least one validation failed.</exception>
    internal static void Validate(IServiceProvider services)
    {
        var validator = services.GetService<IStartupValidator>();
        if (validator is null)
        {
            return;
        }

        try
        {
            validator.Validate();
        }
        catch (OptionsValidationException ex)
        {
            throw new DbResilienceConfigurationException(ex.Failures);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            throw new DbResilienceConfigurationException(
                ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
        }
    }

    private static void AddCoreServices(IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
    }
}
