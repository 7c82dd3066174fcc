using System.Diagnostics.Metrics;
using System.Text;
using Acd.Server.Metrics;
using Prometheus;
using Xunit;

namespace Acd.Server.Tests.Metrics;

public sealed class PrometheusMeterBridgeTests : IDisposable
{
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Meter _meter = new("Acd.BridgeTest." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusMeterBridge _bridge;

    public PrometheusMeterBridgeTests() => _bridge = new PrometheusMeterBridge(_registry);

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
        _meter.CreateCounter<long>("acd.sip.parse_errors").Add(4);

        var text = await ScrapeAsync();

        Assert.Contains("acd_sip_parse_errors_total 4", text, StringComparison.Ordinal);
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

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
