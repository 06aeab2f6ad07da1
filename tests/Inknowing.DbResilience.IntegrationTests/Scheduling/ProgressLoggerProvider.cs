using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>Writes the library's warnings and errors to the test's progress output, so that a failing run says why.</summary>
internal sealed class ProgressLoggerProvider(string prefix, LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProgressLogger(prefix, minimum);

    public void Dispose()
    {
    }

    private sealed class ProgressLogger(string prefix, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                TestContext.Progress.WriteLine($"[{prefix}] {logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
            }
        }
    }
}
