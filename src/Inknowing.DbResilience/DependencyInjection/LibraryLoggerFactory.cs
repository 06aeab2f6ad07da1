using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// The library's default logger factory: the application's, when it registers one, else one that writes nothing. It never
/// disposes the application's factory (the application's container does that) and adds no providers to it.
/// </summary>
internal sealed class LibraryLoggerFactory(ILoggerFactory? application) : ILoggerFactory
{
    private readonly ILoggerFactory _inner = application ?? NullLoggerFactory.Instance;

    public ILogger CreateLogger(string categoryName) => _inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider)
        => throw new NotSupportedException("Add logging providers to the application's logging (AddLogging), not to the library's logger factory.");

    public void Dispose()
    {
        // The application's container owns the application's factory.
    }
}
