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
    /// <summary>
    /// The key under which the library registers its own services in the application's container: its clock
    /// (<see cref="TimeProvider"/>), its logging (<see cref="ILoggerFactory"/> and <see cref="ILogger{TCategoryName}"/>) and,
    /// in the PostgreSQL package, the data source of the protected database. An extension (a storage provider, a backup
    /// target) takes them with <c>[FromKeyedServices(DbResilienceBuilder.ServiceKey)]</c> or
    /// <c>GetRequiredKeyedService&lt;T&gt;(DbResilienceBuilder.ServiceKey)</c>.
    /// </summary>
    /// <remarks>
    /// The library never registers or replaces an unkeyed <c>NpgsqlDataSource</c>, <see cref="ILoggerFactory"/> or
    /// <see cref="TimeProvider"/> of the application: whatever the application registers, before or after
    /// <c>AddDbResilience</c>, stays its own, and the library backs up the database it was given.
    /// </remarks>
    public const string ServiceKey = "Inknowing.DbResilience";

    private readonly bool _standalone;
    private bool _built;

    /// <summary>
    /// Initializes a new builder that owns its own service collection, for use without a host; finish with <see cref="Build"/>.
    /// Its container supplies a default clock (<see cref="TimeProvider.System"/>) and logging that writes nothing.
    /// </summary>
    public DbResilienceBuilder()
        : this(new ServiceCollection())
    {
        _standalone = true;
        Services.TryAddSingleton(TimeProvider.System);
        Services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
    }

    /// <summary>
    /// Initializes a new builder that registers into an existing service collection. The application's own services
    /// (its data source, logging and clock) are left as they are: the library uses the application's logging and clock
    /// when it has them, and registers its own connections under <see cref="ServiceKey"/>.
    /// </summary>
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

    /// <summary>
    /// Sets the schema of the library's own tables (<c>schema_migrations</c>, <c>migration_history</c>,
    /// <c>backup_history</c>, <c>recovery_history</c>), one for all of them. The default value is <c>dbresilience</c>.
    /// </summary>
    /// <param name="schema">A plain identifier; an invalid one is reported when the configuration is validated.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="schema"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder UseSchema(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Services.Configure<DbResilienceOptions>(o => o.Schema = schema);
        return this;
    }

    /// <summary>
    /// Sets the clock the library uses for schedules, retention and ids, without changing the application's own
    /// <see cref="TimeProvider"/>. The default value is the application's <see cref="TimeProvider"/> when it registers one,
    /// otherwise <see cref="TimeProvider.System"/>.
    /// </summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Services.RemoveAllKeyed<TimeProvider>(ServiceKey);
        Services.AddKeyedSingleton(ServiceKey, timeProvider);
        if (_standalone)
        {
            // The standalone container is the library's own: what it resolves unkeyed follows the same choice.
            Services.Replace(ServiceDescriptor.Singleton(timeProvider));
        }

        return this;
    }

    /// <summary>
    /// Sets the logger factory the library writes to, without changing the application's own <see cref="ILoggerFactory"/>.
    /// The default value is the application's <see cref="ILoggerFactory"/> when it registers one; otherwise (and without
    /// a host) the library writes nothing.
    /// </summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loggerFactory"/> is <see langword="null"/>.</exception>
    public DbResilienceBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Services.RemoveAllKeyed<ILoggerFactory>(ServiceKey);
        Services.AddKeyedSingleton(ServiceKey, loggerFactory);
        if (_standalone)
        {
            Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        }

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

    /// <summary>
    /// Registers the library's own clock and logging under <see cref="ServiceKey"/>, once. They fall back to the
    /// application's services when it has them, resolved when first used, so the order of <c>AddLogging</c> and
    /// <c>AddDbResilience</c> does not matter.
    /// </summary>
    private static void AddCoreServices(IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddValidatedOptions<DbResilienceOptions, DbResilienceOptionsValidator>();
        if (!services.Any(d => d.ServiceType == typeof(ConfigurationProblems)))
        {
            var problems = new ConfigurationProblems();
            services.AddSingleton(problems);
            services.AddSingleton<IValidateOptions<DbResilienceOptions>>(problems);
        }

        services.TryAddKeyedSingleton<TimeProvider>(ServiceKey, (sp, _) => sp.GetService<TimeProvider>() ?? TimeProvider.System);
        services.TryAddKeyedSingleton<ILoggerFactory>(ServiceKey, (sp, _) => new LibraryLoggerFactory(sp.GetService<ILoggerFactory>()));
        services.TryAdd(ServiceDescriptor.KeyedSingleton(typeof(ILogger<>), ServiceKey, typeof(LibraryLogger<>)));
    }
}
