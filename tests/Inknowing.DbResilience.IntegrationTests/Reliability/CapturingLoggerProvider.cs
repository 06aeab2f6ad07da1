using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Keeps every log entry of every category at every level as text: the formatted message, each structured state value, each
/// scope (its text and values) and the exception's <see cref="Exception.ToString"/> with the <see cref="Exception.Data"/> of
/// it and its inner exceptions. What a log sink could be handed, whatever its format.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    /// <summary>Gets the entries so far, one text per entry.</summary>
    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, this);

    public void Dispose()
    {
    }

    /// <summary>Returns everything there is to know about an exception as text: its full <see cref="Exception.ToString"/> and the data of it and its inner exceptions.</summary>
    public static string Describe(Exception exception)
    {
        var text = new List<string> { exception.ToString() };
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var current))
        {
            foreach (DictionaryEntry entry in current.Data)
            {
                text.Add($"data {entry.Key}={entry.Value}");
            }

            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return string.Join('\n', text);
    }

    private static IEnumerable<string> Values(object? state)
    {
        yield return state?.ToString() ?? string.Empty;
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (name, value) in pairs)
            {
                yield return $"{name}={(value is Exception ex ? Describe(ex) : value)}";
            }
        }
    }

    private sealed class CapturingLogger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            provider._entries.Enqueue($"{category} scope: {string.Join(" | ", Values(state))}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var parts = new List<string> { $"{category} {logLevel} {eventId}: {formatter(state, exception)}" };
            parts.AddRange(Values(state));
            if (exception is not null)
            {
                parts.Add(Describe(exception));
            }

            provider._entries.Enqueue(string.Join(" | ", parts));
        }
    }
}
