using System.Diagnostics.Metrics;

namespace Acd.Calls.Features;

/// <summary>Instruments of the feature codes (Meter <c>Acd.Calls.Features</c>; names are the Prometheus names).</summary>
public sealed class FeatureCodeMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _uses;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private one).</summary>
    public FeatureCodeMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create("Acd.Calls.Features") ?? new Meter("Acd.Calls.Features");
        _uses = _meter.CreateCounter<long>("acd_feature_codes_total",
            description: "Feature codes dialed by authenticated agents, by code (*45...) and result (ok, invalid_code, no_input, not_allowed, not_an_agent, not_found, no_call, failed, hung_up).");
    }

    /// <summary>Counts one use of <paramref name="code"/> (a configured code: bounded) ending in <paramref name="result"/>.</summary>
    public void Used(string code, string result) =>
        _uses.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("result", result));

    public void Dispose() => _meter.Dispose();
}
