using System.Diagnostics.Metrics;
using System.Globalization;
using Acd.Server.Metrics;
using BenchmarkDotNet.Attributes;
using Prometheus;

namespace Acd.Benchmarks.Operations;

/// <summary>
/// What Acd's metrics cost: one counter increment on the hot path (per SIP message, per RTP packet) with nothing
/// listening and with the Prometheus bridge listening, and one /metrics scrape with 100 queues and 1,000 agents
/// (100 queues x 6 agent states gauges, per-queue counters and histograms).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks : IDisposable
{
    private static readonly KeyValuePair<string, object?> Method = new("method", "INVITE");
    private static readonly string[] States = ["LoggedOut", "Available", "Reserved", "OnCall", "WrapUp", "Paused"];

    private Meter _unobserved = null!;
    private Counter<long> _unobservedCounter = null!;
    private Meter _meter = null!;
    private Counter<long> _sipRequests = null!;
    private Counter<long> _rtpPackets = null!;
    private CollectorRegistry _registry = null!;
    private PrometheusMeterBridge _bridge = null!;
    private MemoryStream _scrape = null!;

    [GlobalSetup]
    public void Setup()
    {
        _unobserved = new Meter("Bench.Unobserved");
        _unobservedCounter = _unobserved.CreateCounter<long>("bench_unobserved_total");
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _bridge = new PrometheusMeterBridge(_registry, "Acd.Bench");
        _meter = new Meter("Acd.Bench");
        _sipRequests = _meter.CreateCounter<long>("acd_sip_requests_total");
        _rtpPackets = _meter.CreateCounter<long>("acd_rtp_packets_total");
        var queues = Enumerable.Range(0, 100).Select(i => "queue" + i.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
        _meter.CreateObservableGauge("acd_agents", () => queues.SelectMany(q => States.Select(s =>
            new Measurement<int>(10, new KeyValuePair<string, object?>("queue", q), new KeyValuePair<string, object?>("state", s)))));
        _meter.CreateObservableGauge("acd_queue_calls_waiting", () => queues.Select(q => new Measurement<int>(3, new KeyValuePair<string, object?>("queue", q))));
        var offered = _meter.CreateCounter<long>("acd_queue_calls_offered_total");
        var wait = _meter.CreateHistogram("acd_queue_wait_seconds", "s", null, null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 20, 30, 60, 120, 300, 600] });
        foreach (var q in queues)
        {
            offered.Add(100, new KeyValuePair<string, object?>("queue", q));
            wait.Record(12, new KeyValuePair<string, object?>("queue", q));
        }

        _scrape = new MemoryStream(1 << 20);
    }

    [Benchmark(Baseline = true, Description = "counter +1, nothing listening")]
    public void CounterUnobserved() => _unobservedCounter.Add(1, Method);

    [Benchmark(Description = "counter +1 with a tag, exported (per SIP message)")]
    public void CounterExportedWithTag() => _sipRequests.Add(1, Method);

    [Benchmark(Description = "counter +1 with a tag, exported (per RTP packet)")]
    public void RtpPacketExported() => _rtpPackets.Add(1, new KeyValuePair<string, object?>("direction", "out"));

    [Benchmark(Description = "/metrics scrape, 100 queues and 1,000 agents")]
    public async Task<long> Scrape()
    {
        _scrape.SetLength(0);
        await _registry.CollectAndExportAsTextAsync(_scrape);
        return _scrape.Length;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _bridge?.Dispose();
        _meter?.Dispose();
        _unobserved?.Dispose();
        _scrape?.Dispose();
        GC.SuppressFinalize(this);
    }
}
