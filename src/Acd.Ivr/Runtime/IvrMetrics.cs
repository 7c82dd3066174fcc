using System.Diagnostics.Metrics;

namespace Acd.Ivr.Runtime;

/// <summary>The "Acd.Ivr" meter: active calls, node visits and input errors per script and node.</summary>
public sealed class IvrMetrics : IDisposable
{
    public const string MeterName = "Acd.Ivr";

    private readonly UpDownCounter<long> _callsActive;
    private readonly Counter<long> _nodeVisits;
    private readonly Counter<long> _inputErrors;
    private readonly Counter<long> _scriptErrors;

    public IvrMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _callsActive = Meter.CreateUpDownCounter<long>("acd_ivr_calls_active", description: "Calls currently in an IVR script.");
        _nodeVisits = Meter.CreateCounter<long>("acd_ivr_node_visits_total", description: "Script nodes entered.");
        _inputErrors = Meter.CreateCounter<long>("acd_ivr_input_errors_total", description: "Invalid or missing caller input (menus, collects, dropped digits).");
        _scriptErrors = Meter.CreateCounter<long>("acd_ivr_script_errors_total", description: "Scripts refused at load.");
    }

    internal Meter Meter { get; }

    internal void CallStarted(string script) => _callsActive.Add(1, new KeyValuePair<string, object?>("script", script));

    internal void CallEnded(string script) => _callsActive.Add(-1, new KeyValuePair<string, object?>("script", script));

    internal void NodeVisited(string script, string node) =>
        _nodeVisits.Add(1, new KeyValuePair<string, object?>("script", script), new KeyValuePair<string, object?>("node", node));

    internal void InputError(string script, string node, string reason) =>
        _inputErrors.Add(1, new KeyValuePair<string, object?>("script", script), new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("reason", reason));

    internal void ScriptRejected(string file) => _scriptErrors.Add(1, new KeyValuePair<string, object?>("file", Path.GetFileName(file)));

    public void Dispose() => Meter.Dispose();
}
