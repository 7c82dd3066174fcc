using System.Diagnostics.Metrics;
using System.Text;
using System.Text.RegularExpressions;
using Acd.Server.Metrics;
using Acd.Server.Tests.Configuration;
using Prometheus;
using Xunit;

namespace Acd.Server.Tests.Metrics;

/// <summary>
/// The bridge exports Acd's instruments under their own names; the documented metrics exist before their first event
/// (0 series: unlabelled, per queue, per closed label value), the catalog that says how agrees with
/// docs/operations.md, and a single label cannot grow without bound.
/// </summary>
public sealed partial class PrometheusMeterBridgeTests : IDisposable
{
    private static readonly KeyValuePair<string, object?> Billing = new("queue", "billing");

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Meter _meter = new("Acd.BridgeTest." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusMeterBridge _bridge;

    // Only this test's meter: instruments of the same names that other tests create at the same time stay out.
    public PrometheusMeterBridgeTests() => _bridge = new PrometheusMeterBridge(_registry, _meter.Name);

    public void Dispose()
    {
        _bridge.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public async Task Export_Counter_KeepsNameAndLabels()
    {
        var counter = _meter.CreateCounter<long>("acd_queue_calls_offered_total");
        counter.Add(2, new KeyValuePair<string, object?>("queue", "billing"));
        counter.Add(3, new KeyValuePair<string, object?>("queue", "billing"));
        counter.Add(1, new KeyValuePair<string, object?>("queue", "support"));

        var text = await ScrapeAsync();

        Assert.Contains("acd_queue_calls_offered_total{queue=\"billing\"} 5", text, StringComparison.Ordinal);
        Assert.Contains("acd_queue_calls_offered_total{queue=\"support\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_CounterWithoutTotalSuffix_GetsSuffix()
    {
        _meter.CreateCounter<long>("acd.test.widgets").Add(4);

        var text = await ScrapeAsync();

        Assert.Contains("acd_test_widgets_total 4", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ObservableGauge_ReadAtScrape()
    {
        var waiting = 3;
        _meter.CreateObservableGauge("acd_queue_calls_waiting", () => new Measurement<int>(waiting, new KeyValuePair<string, object?>("queue", "claims")));

        var first = await ScrapeAsync();
        waiting = 7;
        var second = await ScrapeAsync();

        Assert.Contains("acd_queue_calls_waiting{queue=\"claims\"} 3", first, StringComparison.Ordinal);
        Assert.Contains("acd_queue_calls_waiting{queue=\"claims\"} 7", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_UpDownCounter_IsGauge()
    {
        var active = _meter.CreateUpDownCounter<long>("acd_calls_active");
        active.Add(5);
        active.Add(-2);

        var text = await ScrapeAsync();

        Assert.Contains("# TYPE acd_calls_active gauge", text, StringComparison.Ordinal);
        Assert.Contains("acd_calls_active 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_HistogramWithAdvice_UsesAdvisedBuckets()
    {
        var histogram = _meter.CreateHistogram("acd_queue_wait_seconds", "s", null, null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 20, 60] });
        histogram.Record(10, new KeyValuePair<string, object?>("queue", "billing"));
        histogram.Record(30, new KeyValuePair<string, object?>("queue", "billing"));

        var text = await ScrapeAsync();

        Assert.Contains("acd_queue_wait_seconds_bucket{queue=\"billing\",le=\"5\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("acd_queue_wait_seconds_bucket{queue=\"billing\",le=\"20\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("acd_queue_wait_seconds_bucket{queue=\"billing\",le=\"60\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("acd_queue_wait_seconds_sum{queue=\"billing\"} 40", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_MeterOutsideAcd_IsIgnored()
    {
        using var other = new Meter("Other.Library");
        other.CreateCounter<long>("other_total").Add(1);

        var text = await ScrapeAsync();

        Assert.DoesNotContain("other_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_DocumentedInstrumentsWithoutMeasurements_ExportedAtZero()
    {
        _meter.CreateCounter<long>("acd_calls_total");
        _meter.CreateCounter<long>("acd_sip_parse_errors_total");
        _meter.CreateCounter<long>("acd_rtp_packets_lost_total");
        _meter.CreateHistogram<double>("acd_agent_ring_seconds", "s");
        _meter.CreateCounter<long>("acd_dialer_calls_total");

        var text = await ScrapeAsync();

        foreach (var outcome in (string[])["answered", "abandoned", "callback", "voicemail", "completed", "failed"])
        {
            Assert.Contains($"acd_calls_total{{outcome=\"{outcome}\"}} 0", text, StringComparison.Ordinal);
        }

        Assert.Contains("acd_sip_parse_errors_total{reason=\"invalid_request_line\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("acd_sip_parse_errors_total{reason=\"no_via\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("\nacd_rtp_packets_lost_total 0", text, StringComparison.Ordinal);
        Assert.Contains("\nacd_agent_ring_seconds_count 0", text, StringComparison.Ordinal);

        // Campaigns are not known in advance: the family is declared, with no series until the first dial.
        Assert.Contains("# TYPE acd_dialer_calls_total counter", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\nacd_dialer_calls_total{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_QueueNamedByAnyMetric_EveryPerQueueMetricHasItAtZero()
    {
        var wait = _meter.CreateHistogram<double>("acd_queue_wait_seconds", "s");
        _meter.CreateCounter<long>("acd_queue_calls_offered_total").Add(0, Billing);

        // Published after the queue was named (another library's meter, created later): seeded at once.
        _meter.CreateHistogram<double>("acd_queue_handle_seconds", "s");
        var text = await ScrapeAsync();

        Assert.Contains("acd_queue_wait_seconds_count{queue=\"billing\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("acd_queue_handle_seconds_count{queue=\"billing\"} 0", text, StringComparison.Ordinal);
        wait.Record(12, Billing);
        Assert.Contains("acd_queue_wait_seconds_count{queue=\"billing\"} 1", await ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_MoreValuesThanTheLimit_RestCountedAsOther()
    {
        var requests = _meter.CreateCounter<long>("acd_test_methods_total");
        for (var i = 0; i < PrometheusMeterBridge.MaxSeriesPerLabel + 50; i++)
        {
            requests.Add(1, new KeyValuePair<string, object?>("method", "M" + i));
        }

        var text = await ScrapeAsync();

        Assert.Equal(PrometheusMeterBridge.MaxSeriesPerLabel + 1, text.Split('\n').Count(l => l.StartsWith("acd_test_methods_total{", StringComparison.Ordinal)));
        Assert.Contains("acd_test_methods_total{method=\"other\"} 50", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_EveryEntry_DocumentedWithTheSameLabels()
    {
        var doc = File.ReadAllText(Path.Combine(ContactCenterConfigLoaderTests.RepoRoot(), "docs", "operations.md"));
        var documented = DocumentedRow().Matches(doc).ToDictionary(
            m => m.Groups[1].Value,
            m => string.Join(',', m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)),
            StringComparer.Ordinal);

        foreach (var (name, seed) in MetricCatalog.Metrics)
        {
            Assert.True(documented.TryGetValue(name, out var labels), $"{name} is in MetricCatalog but not in docs/operations.md's table");
            Assert.True(labels == string.Join(',', seed.Labels), $"{name}: docs say labels '{labels}', MetricCatalog '{string.Join(',', seed.Labels)}'");
            Assert.True(seed.Values.Count == 0 || seed.Labels.Count == 1, $"{name}: values are seeded for a single label only");
        }
    }

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [GeneratedRegex(@"^\| `(acd_[a-z0-9_]+)` \| [a-z]+ \|([a-z, ]*)\|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();
}
