using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Inknowing.DbResilience.Telemetry;

namespace Inknowing.DbResilience.IntegrationTests.Scheduling;

/// <summary>Listens to the library's meter (<see cref="DbResilienceTelemetry.Name"/>) and keeps every measurement.</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured<double>> _doubles = new();
    private readonly ConcurrentQueue<Measured<long>> _longs = new();

    public MetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DbResilienceTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _doubles.Enqueue(new Measured<double>(instrument.Name, value, ToDictionary(tags))));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _longs.Enqueue(new Measured<long>(instrument.Name, value, ToDictionary(tags))));
        _listener.Start();
    }

    public IReadOnlyCollection<Measured<double>> Doubles => _doubles;

    public IReadOnlyCollection<Measured<long>> Longs => _longs;

    /// <summary>Reads the last-success gauge of a job now.</summary>
    public long? ObserveLastSuccess(string job)
    {
        _listener.RecordObservableInstruments();
        return _longs.LastOrDefault(m => m.Instrument == DbResilienceTelemetry.JobLastSuccess && m.Tags.GetValueOrDefault(DbResilienceTelemetry.JobNameTag) == job)?.Value;
    }

    public void Dispose() => _listener.Dispose();

    private static Dictionary<string, string?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, string?>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value?.ToString();
        }

        return dictionary;
    }
}

/// <summary>One measurement: the instrument, the value and the tags.</summary>
internal sealed record Measured<T>(string Instrument, T Value, IReadOnlyDictionary<string, string?> Tags);
