using System.Diagnostics.Metrics;
using Acd.Calls.Records;

namespace Acd.Calls.Inbound;

/// <summary>Instruments of the inbound call flow (Meter <c>Acd.Calls</c>; names are the Prometheus names).</summary>
public sealed class CallMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _agentLegs;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _supervisions;
    private readonly Histogram<double> _setup;
    private readonly Histogram<double> _handle;
    private int _active;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private one).</summary>
    public CallMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create("Acd.Calls") ?? new Meter("Acd.Calls");
        _meter.CreateObservableGauge("acd_calls_active", () => Volatile.Read(ref _active), description: "Inbound calls in progress on this node (IVR, queue, talking).");
        _calls = _meter.CreateCounter<long>("acd_calls_total", description: "Finished inbound calls by outcome (answered, abandoned, callback, voicemail, completed, failed).");
        _agentLegs = _meter.CreateCounter<long>("acd_agent_legs_total", description: "Agent phones rung, by result (answered, rejected, no_answer, unreachable, cancelled).");
        _refused = _meter.CreateCounter<long>("acd_calls_refused_total", description: "INVITEs refused before answer, by reason (unknown_number, bad_sdp, no_media_port, no_script).");
        _handle = _meter.CreateHistogram<double>("acd_queue_handle_seconds", unit: "s", description: "Handle time of answered queue calls: talk + hold + wrap-up, recorded when the wrap-up ends.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [15, 30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 3600] });
        _supervisions = _meter.CreateCounter<long>("acd_supervisions_total", description: "Supervisors joined to calls and mode switches, by the mode entered (listen, whisper, barge).");
        _setup = _meter.CreateHistogram<double>("acd_agent_ring_seconds", unit: "s", description: "From sending the INVITE to the agent's answer.");
    }

    /// <summary>Calls in progress.</summary>
    public int Active => Volatile.Read(ref _active);

    internal void Started() => Interlocked.Increment(ref _active);

    internal void Finished(CallOutcome outcome)
    {
        Interlocked.Decrement(ref _active);
        _calls.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeTag(outcome)));
    }

    /// <summary>Counts an INVITE refused before answer.</summary>
    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void AgentLeg(string result) => _agentLegs.Add(1, new KeyValuePair<string, object?>("result", result));

    internal void AgentAnswered(TimeSpan ring)
    {
        _agentLegs.Add(1, new KeyValuePair<string, object?>("result", "answered"));
        _setup.Record(ring.TotalSeconds);
    }

    internal void Supervision(string mode) => _supervisions.Add(1, new KeyValuePair<string, object?>("mode", mode));

    internal void Handled(string queue, TimeSpan handle) => _handle.Record(handle.TotalSeconds, new KeyValuePair<string, object?>("queue", queue));

    internal static string OutcomeTag(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Answered => "answered",
        CallOutcome.Abandoned => "abandoned",
        CallOutcome.Callback => "callback",
        CallOutcome.Voicemail => "voicemail",
        CallOutcome.Completed => "completed",
        _ => "failed",
    };

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
