using System.Globalization;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Logging;

namespace Acd.Ivr.Simulation;

/// <summary>What the simulated caller does and what the simulated world looks like.</summary>
public sealed record IvrSimulationOptions
{
    /// <summary>Keys pressed, one entry per input attempt in order ("2", "123456#"); an empty entry lets that attempt time out.
    /// When the entries run out the caller stays silent.</summary>
    public IReadOnlyList<string> Digits { get; init; } = [];

    public string Caller { get; init; } = "anonymous";

    public string Dialed { get; init; } = string.Empty;

    /// <summary>Wall-clock time at which the call starts (business hours use it).</summary>
    public DateTimeOffset At { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Queue conditions by queue name.</summary>
    public IReadOnlyDictionary<string, IvrQueueStatus> Queues { get; init; } = new Dictionary<string, IvrQueueStatus>();

    /// <summary>Conditions of queues not listed (default: no wait, one agent available).</summary>
    public IvrQueueStatus DefaultQueue { get; init; } = new(TimeSpan.Zero, 1, 0);

    /// <summary>The simulated caller hangs up after this much virtual time (default 1 hour).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Hang up when entering this node (to simulate a caller giving up there).</summary>
    public string? HangupAt { get; init; }

    public string? StartNode { get; init; }
}

/// <summary>One line of a simulation trace.</summary>
public sealed record IvrSimulationStep(TimeSpan At, string Kind, string Text)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{At.TotalSeconds,7:0.0}s  {Kind,-8} {Text}");
}

/// <summary>The result of a simulated call: outcome, variables, path, prompts, and a timed trace.</summary>
public sealed record IvrSimulation(IvrResult Result, IReadOnlyList<IvrSimulationStep> Trace, IReadOnlyList<string> Prompts);

/// <summary>
/// Runs a script without a phone: a scripted media driver that "plays" instantly, presses the given keys when
/// the script waits for input, and fires timeouts on a virtual clock. Shipped for script authors
/// (<c>acd ivr simulate</c>) and used by tests and benchmarks.
/// </summary>
public static class IvrSimulator
{
    public static async Task<IvrSimulation> RunAsync(IvrScript script, IvrSimulationOptions options, IvrMetrics? metrics = null, ILogger<IvrEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(options);
        var clock = new VirtualTimeProvider(options.At);
        var ownMetrics = metrics is null ? new IvrMetrics() : null;
        try
        {
            var engine = new IvrEngine(clock, metrics ?? ownMetrics!, logger);
            var driver = new SimulatedCaller(clock, options);
            var session = engine.CreateSession(script, new IvrCallInfo("sim-1", options.Caller, options.Dialed), driver, driver, driver, options.StartNode);
            var result = await session.RunAsync();
            driver.Add("outcome", Describe(result.Outcome));
            return new IvrSimulation(result, driver.Trace, driver.Prompts);
        }
        finally
        {
            ownMetrics?.Dispose();
        }
    }

    /// <summary>A one-line description of an outcome for people.</summary>
    public static string Describe(IvrOutcome outcome) => outcome switch
    {
        IvrQueueOutcome q => $"queue {(q.Queue ?? "skills " + string.Join("+", q.Skills))} priority {q.Priority}"
            + (q.CallbackOffer ? ", callback offered" : string.Empty)
            + (q.ExitKey is { } key ? $", exit key {key} -> {q.ExitNode}" : string.Empty),
        IvrTransferOutcome t => $"transfer to {t.Kind.ToString().ToLowerInvariant()} {t.Destination}",
        IvrCallbackOutcome c => $"callback to {c.Number} in queue {c.Queue}",
        IvrVoicemailOutcome v => $"voicemail for {v.Mailbox}: {v.Recording.Path} ({v.Recording.Duration.TotalSeconds:0}s)",
        IvrHangupOutcome => "hangup",
        IvrCallerHangupOutcome h => $"caller hung up at {h.Node}",
        IvrFailedOutcome f => $"failed at {f.Node}: {f.Reason}",
        _ => outcome.ToString(),
    };

    private sealed class SimulatedCaller(VirtualTimeProvider clock, IvrSimulationOptions options) : IvrObserver, IIvrMedia, IIvrQueueInfo
    {
        private readonly DateTimeOffset _start = options.At;
        private int _nextEntry;
        private bool _inputPending;
        private int _recordings;

        public List<IvrSimulationStep> Trace { get; } = [];

        public List<string> Prompts { get; } = [];

        public void Add(string kind, string text) => Trace.Add(new IvrSimulationStep(clock.GetUtcNow() - _start, kind, text));

        public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken)
        {
            _recordings++;
            Add("record", $"{(request.Beep ? "beep, " : string.Empty)}recording for {request.Mailbox} (max {request.MaxLength.TotalSeconds:0}s)");
            return Task.FromResult(new IvrRecording($"voicemail/{request.Mailbox}-sim-{_recordings}.wav", request.MaxLength));
        }

        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
            ValueTask.FromResult(options.Queues.TryGetValue(queue, out var status) ? status : options.DefaultQueue);

        public override void NodeEntered(IvrSession session, string node, IvrNodeKind kind)
        {
            Add("node", $"{node} ({kind.ToString().ToLowerInvariant()})");
            if (node == options.HangupAt)
            {
                Add("hangup", "caller hangs up");
                session.Hangup();
            }
        }

        public override void PromptsStarted(IvrSession session, IReadOnlyList<IvrPrompt> prompts)
        {
            foreach (var prompt in prompts)
            {
                Prompts.Add(prompt.Name);
            }

            Add("play", string.Join(", ", prompts.Select(p => p.Name)));
        }

        public override void InputExpected(IvrSession session, string node) => _inputPending = true;

        public override void InputError(IvrSession session, string node, string reason) => Add("input", $"{reason} input at {node}");

        public override void VariableSet(IvrSession session, string name, string value) => Add("set", $"{name} = {value}");

        public override void Idle(IvrSession session)
        {
            if (clock.GetUtcNow() - _start > options.MaxDuration)
            {
                Add("hangup", "simulation time limit reached");
                session.Hangup();
                return;
            }

            if (_inputPending && _nextEntry < options.Digits.Count)
            {
                _inputPending = false;
                var entry = options.Digits[_nextEntry++];
                if (entry.Length > 0)
                {
                    Add("press", entry);
                    var accepted = 0;
                    foreach (var digit in entry)
                    {
                        accepted += session.PostDigit(digit) ? 1 : 0;
                    }

                    if (accepted > 0)
                    {
                        return;
                    }

                    Add("input", $"'{entry}' has no DTMF keys (0-9, *, #, A-D): treated as silence");
                }
            }

            if (!clock.AdvanceToNextTimer())
            {
                Add("hangup", "nothing left to wait for");
                session.Hangup();
            }
            else
            {
                _inputPending = false;
            }
        }
    }
}
