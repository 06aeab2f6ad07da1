using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// The library's <see cref="ILogger{TCategoryName}"/>, registered under <see cref="DbResilienceBuilder.ServiceKey"/>: it writes
/// to the library's logger factory (the one given to <see cref="DbResilienceBuilder.UseLoggerFactory"/>, else the application's).
/// </summary>
/// <typeparam name="T">The category.</typeparam>
internal sealed class LibraryLogger<T>([FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILoggerFactory factory) : ILogger<T>
{
    private readonly ILogger _logger = factory.CreateLogger<T>();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _logger.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _logger.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => _logger.Log(logLevel, eventId, state, exception, formatter);
}
