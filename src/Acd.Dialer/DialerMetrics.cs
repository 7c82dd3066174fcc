using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;

namespace Acd.Dialer;

/// <summary>
/// Instruments of the "Acd.Dialer" meter. Tags are bounded: campaign ids come from configuration, outcomes and
/// rules are enums. Gauges read the values the campaigns last published.
/// </summary>
public sealed class DialerMetrics : IDisposable
{
    public const string MeterName = "Acd.Dialer";

    private static readonly string[] OutcomeNames = Enum.GetNames<CallOutcome>().Select(Snake).ToArray();
    private static readonly string[] RuleNames = Enum.GetNames<ComplianceRule>().Select(Snake).ToArray();

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _blocked;
    private readonly Counter<long> _rejectedRows;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _amd;
    private readonly Counter<long> _trunkFailures;
    private readonly ConcurrentDictionary<string, (double Ratio, double Level)> _gauges = new(StringComparer.Ordinal);

    public DialerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _calls = _meter.CreateCounter<long>("acd_dialer_calls_total", description: "Dial attempts by campaign and outcome.");
        _blocked = _meter.CreateCounter<long>("acd_dialer_compliance_blocks_total", description: "Dials refused by a compliance rule (tag: rule).");
        _rejectedRows = _meter.CreateCounter<long>("acd_dialer_import_rejected_rows_total", description: "Lead rows rejected at import.");
        _refused = _meter.CreateCounter<long>("acd_dialer_refused_total", description: "Dials refused before reaching the network (tag: reason: unauthorised, no_trunk).");
        _trunkFailures = _meter.CreateCounter<long>("acd_dialer_trunk_failures_total", description: "Calls a trunk failed (tag: reason: auth_rejected, unavailable, timeout, register_failed); the call fails over to the next trunk.");
        _amd = _meter.CreateHistogram<double>("acd_dialer_amd_seconds", "s", "Time from answer to the AMD verdict.");
        _meter.CreateObservableGauge("acd_dialer_abandon_ratio", () => _gauges.Select(p => new Measurement<double>(p.Value.Ratio, new KeyValuePair<string, object?>("campaign", p.Key))), description: "Abandoned over live-answered calls in the campaign's regulatory window.");
        _meter.CreateObservableGauge("acd_dialer_dial_level", () => _gauges.Select(p => new Measurement<double>(p.Value.Level, new KeyValuePair<string, object?>("campaign", p.Key))), description: "Lines dialed per free agent at the last pacing decision.");
    }

    public void Call(string campaign, CallOutcome outcome) =>
        _calls.Add(1, new KeyValuePair<string, object?>("campaign", campaign), new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome]));

    public void Blocked(string campaign, ComplianceRule rule) =>
        _blocked.Add(1, new KeyValuePair<string, object?>("campaign", campaign), new KeyValuePair<string, object?>("rule", RuleNames[(int)rule]));

    public void RejectedRows(string campaign, int rows) => _rejectedRows.Add(rows, new KeyValuePair<string, object?>("campaign", campaign));

    public void Refused(string campaign, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("campaign", campaign), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A trunk failed a call or its registration (<paramref name="reason"/>: auth_rejected, unavailable, timeout, register_failed).</summary>
    public void TrunkFailure(string trunk, string reason) =>
        _trunkFailures.Add(1, new KeyValuePair<string, object?>("trunk", trunk), new KeyValuePair<string, object?>("reason", reason));

    public void AmdTime(string campaign, TimeSpan time) => _amd.Record(time.TotalSeconds, new KeyValuePair<string, object?>("campaign", campaign));

    public void Publish(string campaign, double abandonRatio, double dialLevel) => _gauges[campaign] = (abandonRatio, dialLevel);

    /// <summary>The dial level of the campaign's last pacing decision (null before its first).</summary>
    public double? DialLevel(string campaign) => _gauges.TryGetValue(campaign, out var g) ? g.Level : null;

    internal Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
