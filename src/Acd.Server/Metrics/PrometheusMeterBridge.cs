using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace Acd.Server.Metrics;

/// <summary>
/// Exports the System.Diagnostics.Metrics instruments that Acd's libraries publish (meters whose name starts
/// with "Acd") through prometheus-net, keeping each instrument's name as its Prometheus name. prometheus-net's
/// own MeterAdapter prefixes every series with the meter name, which would break the documented names
/// (acd_queue_calls_waiting, ...), so the server installs this bridge instead and suppresses that adapter.
/// </summary>
/// <remarks>
/// Counters become Prometheus counters (a missing <c>_total</c> suffix is added), up-down counters and gauges
/// become gauges, histograms become histograms with the buckets the instrument advises
/// (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>) or a default for its unit. Observable
/// instruments are read once per scrape. The label names of a series are fixed by the first measurement;
/// a later measurement's missing tags export as empty values and unknown tags are dropped.
/// </remarks>
public sealed class PrometheusMeterBridge : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly string _meterPrefix;

    public PrometheusMeterBridge(CollectorRegistry registry, string meterPrefix = "Acd")
    {
        ArgumentNullException.ThrowIfNull(registry);
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _meterPrefix = meterPrefix;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<long>(static (i, v, tags, state) => ((ExportedInstrument)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (i, v, tags, state) => ((ExportedInstrument)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (i, v, tags, state) => ((ExportedInstrument)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (i, v, tags, state) => ((ExportedInstrument)state!).Record(v, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>The Prometheus name for an instrument: dots and dashes to underscores, lower case, counters end in _total.</summary>
    public static string PrometheusName(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var name = instrument.Name.Replace('.', '_').Replace('-', '_').ToLowerInvariant();
        var isCounter = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal)
            || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
        return isCounter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal))
        {
            return;
        }

        listener.EnableMeasurementEvents(instrument, new ExportedInstrument(instrument, _factory));
    }

    internal static double[] BucketsFor(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        _ when instrument.Unit is "s" or "seconds" => SecondsBuckets,
        _ => Histogram.ExponentialBuckets(1, 2, 16),
    };

    /// <summary>One exported instrument: creates its Prometheus family on the first measurement.</summary>
    private sealed class ExportedInstrument(Instrument instrument, IMetricFactory factory)
    {
        private readonly Lock _gate = new();

        // Single-label series (the common case: queue, method, direction) by label value, so a hot-path increment
        // looks its child up without allocating a label array.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _byValue = new(StringComparer.Ordinal);
        private string[]? _labelNames;
        private Collector? _family;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var family = Volatile.Read(ref _family) ?? Create(tags);
            var child = Child(family, tags);
            switch (child)
            {
                case ICounter c when instrument.IsObservable:
                    c.IncTo(value);
                    break;
                case ICounter c:
                    c.Inc(value);
                    break;
                case IGauge g when instrument.IsObservable:
                    g.Set(value);
                    break;
                case IGauge g:
                    g.Inc(value);
                    break;
                case IHistogram h:
                    h.Observe(value);
                    break;
            }
        }

        private object Child(Collector family, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = _labelNames!;
            if (names.Length == 0)
            {
                return family;
            }

            if (names.Length == 1)
            {
                var value = string.Empty;
                foreach (var tag in tags)
                {
                    if (string.Equals(tag.Key, names[0], StringComparison.Ordinal))
                    {
                        value = tag.Value as string ?? Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                        break;
                    }
                }

                return _byValue.TryGetValue(value, out var cached) ? cached : _byValue.GetOrAdd(value, v => WithLabels(family, [v]));
            }

            return WithLabels(family, LabelValues(tags)!);
        }

        private static object WithLabels(Collector family, string[] labels) => family switch
        {
            Counter c => c.WithLabels(labels),
            Gauge g => g.WithLabels(labels),
            Histogram h => h.WithLabels(labels),
            _ => family,
        };

        private string[]? LabelValues(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = _labelNames!;
            if (names.Length == 0)
            {
                return null;
            }

            var values = new string[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                values[i] = string.Empty;
                foreach (var tag in tags)
                {
                    if (string.Equals(tag.Key, names[i], StringComparison.Ordinal))
                    {
                        values[i] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                        break;
                    }
                }
            }

            return values;
        }

        private Collector Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_gate)
            {
                if (_family is not null)
                {
                    return _family;
                }

                var names = new string[tags.Length];
                for (var i = 0; i < tags.Length; i++)
                {
                    names[i] = tags[i].Key;
                }

                Array.Sort(names, StringComparer.Ordinal);
                _labelNames = names;
                var name = PrometheusName(instrument);
                var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
                var typeName = instrument.GetType().Name;
                Collector family = typeName switch
                {
                    _ when typeName.StartsWith("Counter", StringComparison.Ordinal) || typeName.StartsWith("ObservableCounter", StringComparison.Ordinal)
                        => factory.CreateCounter(name, help, names),
                    _ when typeName.StartsWith("Histogram", StringComparison.Ordinal)
                        => factory.CreateHistogram(name, help, names, new HistogramConfiguration { Buckets = BucketsFor(instrument) }),
                    _ => factory.CreateGauge(name, help, names),
                };
                Volatile.Write(ref _family, family);
                return family;
            }
        }
    }
}
