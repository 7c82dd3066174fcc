using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Acd.Dialer.Tests;

public sealed class DialerMetricsTests
{
    [Fact]
    public void Instruments_RecordWithBoundedTags()
    {
        using var metrics = new DialerMetrics();
        using var calls = new MetricCollector<long>(metrics.Meter, "acd_dialer_calls_total");
        using var blocks = new MetricCollector<long>(metrics.Meter, "acd_dialer_compliance_blocks_total");
        using var ratio = new MetricCollector<double>(metrics.Meter, "acd_dialer_abandon_ratio");
        using var level = new MetricCollector<double>(metrics.Meter, "acd_dialer_dial_level");

        metrics.Call("c1", CallOutcome.NoAnswer);
        metrics.Blocked("c1", ComplianceRule.CallingWindow);
        metrics.Publish("c1", 0.021, 2.5);
        ratio.RecordObservableInstruments();
        level.RecordObservableInstruments();

        var call = Assert.Single(calls.GetMeasurementSnapshot());
        Assert.Equal(("c1", "no_answer"), ((string?)call.Tags["campaign"], (string?)call.Tags["outcome"]));
        Assert.Equal("calling_window", Assert.Single(blocks.GetMeasurementSnapshot()).Tags["rule"]);
        Assert.Equal(0.021, ratio.LastMeasurement!.Value);
        Assert.Equal(2.5, level.LastMeasurement!.Value);
    }
}
