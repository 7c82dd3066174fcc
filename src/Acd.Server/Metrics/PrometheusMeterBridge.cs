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
/// instruments are read once per scrape. The label names of a series are fixed by <see cref="MetricCatalog"/> for
/// the documented metrics (exported from the moment the instrument is published, with 0 series for every queue
/// and for closed label values) and by the first measurement for the others; a measurement's missing tags export
/// as empty values and unknown tags are dropped. A single-label metric keeps at most
/// <see cref="MaxSeriesPerLabel"/> values: further values are counted under <c>other</c> (label cardinality stays
/// bounded whatever a peer sends).
/// </remarks>
public sealed class PrometheusMeterBridge : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

    /// <summary>Distinct values a single-label metric exports before further values go to <c>other</c>.</summary>
    public const int MaxSeriesPerLabel = 1000;

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly string _meterPrefix;
    private readonly IReadOnlyDictionary<string, MetricSeed> _catalog;

    // Every queue any metric has named, and the documented per-queue metrics: each gets a 0 series per queue.
    private readonly object? _meterScope;
    private readonly Lock _queuesGate = new();
    private readonly HashSet<string> _queues = new(StringComparer.Ordinal);
    private readonly List<ExportedInstrument> _perQueue = [];

    public PrometheusMeterBridge(CollectorRegistry registry, string meterPrefix = "Acd")
        : this(registry, meterPrefix, MetricCatalog.Metrics)
    {
    }

    /// <summary>
    /// Exports the meters whose name starts with <paramref name="meterPrefix"/>, seeding the metrics of <paramref name="catalog"/>;
    /// with <paramref name="meterScope"/> (an <see cref="System.Diagnostics.Metrics.IMeterFactory"/>), only the meters that
    /// factory created, so one process can hold several nodes' (or tests') meters of the same name apart.
    /// </summary>
    public PrometheusMeterBridge(CollectorRegistry registry, string meterPrefix, IReadOnlyDictionary<string, MetricSeed> catalog, object? meterScope = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(catalog);
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _meterPrefix = meterPrefix;
        _meterScope = meterScope;
        _catalog = catalog;
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
        if (!instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal)
            || (_meterScope is not null && !ReferenceEquals(instrument.Meter.Scope, _meterScope)))
        {
            return;
        }

        var exported = new ExportedInstrument(this, instrument, _factory);
        if (_catalog.TryGetValue(PrometheusName(instrument), out var seed))
        {
            exported.Seed(seed);
        }

        listener.EnableMeasurementEvents(instrument, exported);
    }

    /// <summary>A per-queue metric exists: give it a 0 series for every queue seen so far.</summary>
    private void AddPerQueue(ExportedInstrument exported)
    {
        string[] queues;
        lock (_queuesGate)
        {
            _perQueue.Add(exported);
            queues = [.. _queues];
        }

        foreach (var queue in queues)
        {
            exported.SeedValue(queue);
        }
    }

    /// <summary>A queue was named by a metric: give every per-queue metric a 0 series for it.</summary>
    private void QueueSeen(string queue)
    {
        ExportedInstrument[] perQueue;
        lock (_queuesGate)
        {
            if (!_queues.Add(queue))
            {
                return;
            }

            perQueue = [.. _perQueue];
        }

        foreach (var exported in perQueue)
        {
            exported.SeedValue(queue);
        }
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
    private sealed class ExportedInstrument(PrometheusMeterBridge bridge, Instrument instrument, IMetricFactory factory)
    {
        private readonly Lock _gate = new();

        // Single-label series (the common case: queue, method, direction) by label value, so a hot-path increment
        // looks its child up without allocating a label array.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _byValue = new(StringComparer.Ordinal);
        private string[]? _labelNames;
        private Collector? _family;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var family = Volatile.Read(ref _family) ?? Create(LabelNames(tags));
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

                return _byValue.TryGetValue(value, out var cached) ? cached : NewChild(family, names[0], value);
            }

            return WithLabels(family, LabelValues(tags)!);
        }

        /// <summary>The documented label names; 0 series for a metric without labels, per queue, or per closed value.</summary>
        public void Seed(MetricSeed seed)
        {
            var family = Create([.. seed.Labels]);
            if (seed.Labels is [MetricCatalog.QueueLabel])
            {
                bridge.AddPerQueue(this);
                return;
            }

            if (seed.Labels.Count == 1)
            {
                foreach (var value in seed.Values)
                {
                    _byValue.GetOrAdd(value, v => WithLabels(family, [v]));
                }
            }
        }

        /// <summary>A 0 series for <paramref name="value"/> of this single-label metric (no-op for other label sets).</summary>
        public void SeedValue(string value)
        {
            if (Volatile.Read(ref _family) is { } family && _labelNames is { Length: 1 })
            {
                _byValue.GetOrAdd(value, v => WithLabels(family, [v]));
            }
        }

        private object NewChild(Collector family, string label, string value)
        {
            if (_byValue.Count >= MaxSeriesPerLabel)
            {
                value = "other";
            }

            var child = _byValue.GetOrAdd(value, v => WithLabels(family, [v]));
            if (string.Equals(label, MetricCatalog.QueueLabel, StringComparison.Ordinal))
            {
                bridge.QueueSeen(value);
            }

            return child;
        }

        private static string[] LabelNames(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                names[i] = tags[i].Key;
            }

            Array.Sort(names, StringComparer.Ordinal);
            return names;
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

        private Collector Create(string[] names)
        {
            lock (_gate)
            {
                if (_family is not null)
                {
                    return _family;
                }

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
