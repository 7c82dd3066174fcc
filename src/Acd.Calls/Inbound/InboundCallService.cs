using System.Collections.Concurrent;
using Acd.Calls.Media;
using Acd.Calls.Records;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Mixing;
using Acd.Media.Players;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Inbound;

/// <summary>The shared services every inbound call uses.</summary>
public sealed record InboundCallDependencies
{
    public required SipUserAgent UserAgent { get; init; }

    public required IMediaSessionFactory Media { get; init; }

    public required PromptCache Prompts { get; init; }

    public required MusicOnHold MusicOnHold { get; init; }

    public required IvrEngine Engine { get; init; }

    public required IIvrQueueInfo QueueInfo { get; init; }

    public required ICallQueues Queues { get; init; }

    public required IAgentDirectory Agents { get; init; }

    public required ICallRecordSink Records { get; init; }

    public required TimeProvider Time { get; init; }

    public IvrMediaOptions IvrMediaOptions { get; init; } = new();

    // The metric defaults are created only when the host gives none: an eager default built a second "Acd.Calls" meter
    // whose acd_calls_active gauge (always 0) the Prometheus bridge exported over the host's real one.
    public IvrMediaMetrics IvrMediaMetrics { get => field ??= new(); init; }

    public CallMetrics Metrics { get => field ??= new(); init; }

    /// <summary>Which queues' answered calls are recorded (stereo WAV: caller left, agent right); null records none.</summary>
    public Func<string, bool>? RecordQueue { get; init; }

    /// <summary>The clock that paces recorders (the media pacing clock); required when <see cref="RecordQueue"/> is set.</summary>
    public IMediaClock? RecordingClock { get; init; }

    /// <summary>Where call recordings go: <c>&lt;folder&gt;/YYYY-MM-DD/&lt;call id&gt;.wav</c>.</summary>
    public string RecordingDirectory { get; init; } = "recordings";

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Agents by extension (a REFER to an extension is a transfer to that agent); null: no agent transfers.</summary>
    public Direct.IAgentExtensions? Extensions { get; init; }

    /// <summary>Keeps an agent rung by a transfer out of routing; null: no agent transfers.</summary>
    public Direct.IAgentBusy? AgentBusy { get; init; }

    /// <summary>The queue a number of the number plan routes to straight (a REFER to that number), or null.</summary>
    public Func<string, string?>? QueueOfNumber { get; init; }

    /// <summary>The node's consult dialogs (REFER with Replaces: attended transfer); null: attended transfers get 481.</summary>
    public Direct.IConsultCalls? ConsultCalls { get; init; }

    /// <summary>Trunk calls for external transfers; null: external transfers are refused.</summary>
    public IExternalDialer? ExternalDialer { get; init; }

    /// <summary>Keep-my-place callbacks to numbers typed in the IVR (the dialer); null: refused.</summary>
    public ICallbackScheduler? Callbacks { get; init; }

    /// <summary>The transfer policy in force (read per transfer: reloads apply); null: no external transfers.</summary>
    public Func<TransferPolicy>? TransferPolicy { get; init; }
}

/// <summary>
/// The node's inbound calls: starts one <see cref="InboundCall"/> actor per accepted INVITE, routes routing's
/// decisions (offers, lost reservations, calls taken out of a queue) to the call they concern, and writes each
/// call's record once the call and its agent's wrap-up are over.
/// </summary>
public sealed partial class InboundCallService : IAsyncDisposable, ICallControl, IConnectedCalls
{
    private readonly ConcurrentDictionary<string, InboundCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingWrapUp> _wrapUps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<InboundCall, Task> _running = new();
    private readonly InboundCallDependencies _deps;
    private readonly Prompt _ringback = ToneGenerator.Build(ToneSpec.Ringback);

    public InboundCallService(InboundCallOptions options, InboundCallDependencies dependencies)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        _deps = dependencies ?? throw new ArgumentNullException(nameof(dependencies));
        Logger = dependencies.Loggers.CreateLogger<InboundCallService>();
        IvrChannelLogger = dependencies.Loggers.CreateLogger<MediaLegIvrChannel>();
    }

    public InboundCallOptions Options { get; }

    /// <summary>Calls in progress on this node.</summary>
    public int CallCount => _calls.Count;

    /// <summary>Records waiting for their agent's wrap-up to end.</summary>
    public int PendingRecords => _wrapUps.Count;

    internal ILogger Logger { get; }

    internal ILogger<MediaLegIvrChannel> IvrChannelLogger { get; }

    internal SipUserAgent UserAgent => _deps.UserAgent;

    internal IMediaSessionFactory Media => _deps.Media;

    internal PromptCache Prompts => _deps.Prompts;

    internal MusicOnHold MusicOnHold => _deps.MusicOnHold;

    internal IvrEngine Engine => _deps.Engine;

    internal IIvrQueueInfo QueueInfo => _deps.QueueInfo;

    internal ICallQueues Queues => _deps.Queues;

    internal IAgentDirectory Agents => _deps.Agents;

    internal TimeProvider Time => _deps.Time;

    internal Direct.IAgentExtensions? Extensions => _deps.Extensions;

    internal Direct.IAgentBusy? AgentBusy => _deps.AgentBusy;

    internal Func<string, string?>? QueueOfNumber => _deps.QueueOfNumber;

    internal Direct.IConsultCalls? ConsultCalls => _deps.ConsultCalls;

    internal IExternalDialer? ExternalDialer => _deps.ExternalDialer;

    internal ICallbackScheduler? Callbacks => _deps.Callbacks;

    internal TransferPolicy? TransferPolicy => _deps.TransferPolicy?.Invoke();

    internal IvrMediaOptions IvrMediaOptions => _deps.IvrMediaOptions;

    internal IvrMediaMetrics IvrMediaMetrics => _deps.IvrMediaMetrics;

    /// <summary>The flow's instruments (the host counts refusals it decides itself).</summary>
    public CallMetrics Metrics => _deps.Metrics;

    /// <summary>
    /// Takes an incoming INVITE the number plan matched: answers it and runs <paramref name="script"/> (or queues
    /// it straight into <paramref name="queue"/> when there is no script).
    /// </summary>
    public void Accept(SipCall call, IvrScript? script, string? queue)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dialed = string.Empty;
        var callerId = "anonymous";
        string? callerName = null;
        if (call.Invite is { } invite)
        {
            dialed = invite.TryGetRequestUri(out var uri) ? uri.GetUserString() : string.Empty;
            if ((invite.TryGetNameAddr(Sip.SipHeaderId.PAssertedIdentity, out var identity) || invite.TryGetFrom(out identity))
                && invite.TryGetUri(identity.Uri, out var from))
            {
                callerId = from.GetUserString() is { Length: > 0 } user ? user : "anonymous";
                callerName = identity.GetDisplayNameString() is { Length: > 0 } name ? name : null;
            }
        }

        if (Draining)
        {
            call.Reject(503, "Service Unavailable");
            Metrics.Refused("draining");
            return;
        }

        var inbound = new InboundCall(this, call, script, queue, dialed, callerId, callerName);
        if (!_calls.TryAdd(call.CallId, inbound))
        {
            call.Reject(482, "Loop Detected");
            return;
        }

        Log.Accepted(Logger, call.CallId, dialed, callerId, script?.Name ?? queue ?? "-");
        _running[inbound] = Task.Run(inbound.RunAsync);
    }

    /// <summary>Routing reserved <paramref name="agentId"/> for a call: ring it if the call is ours.</summary>
    public bool Offer(string callId, string agentId, string queue) => Post(callId, new InboundCall.Offered(agentId, queue));

    /// <summary>Routing dropped the reservation of <paramref name="agentId"/> (lease expired): stop ringing.</summary>
    public bool ReservationLost(string callId, string agentId) => Post(callId, new InboundCall.ReservationLost(agentId));

    /// <summary>Routing took the call out of its queue (max wait, escalation to voicemail or callback, node failure).</summary>
    public bool LeftQueue(string callId, string detail) => Post(callId, new InboundCall.LeftQueue(detail));

    /// <summary>Routing moved the call to another queue (overflow), keeping its place in time.</summary>
    public bool MovedQueue(string callId, string queue) => Post(callId, new InboundCall.MovedQueue(queue));

    /// <summary>An agent changed state: a record waiting for that agent's wrap-up is written when it leaves wrap-up.</summary>
    public void AgentStateChanged(string agentId, bool inWrapUp)
    {
        if (!inWrapUp && _wrapUps.TryRemove(agentId, out var pending))
        {
            pending.Complete(Time.GetUtcNow(), this);
        }
    }

    /// <summary>The disposition an agent entered for its last call (during or right after wrap-up).</summary>
    public bool SetDisposition(string agentId, string disposition)
    {
        if (_wrapUps.TryGetValue(agentId, out var pending))
        {
            pending.Disposition = disposition;
            return true;
        }

        return false;
    }

    /// <summary>Hangs up every call (node shutdown) and waits for them to release routing and write their records.</summary>
    public ValueTask DisposeAsync() => new(HangupAllAsync());

    private async Task HangupAllAsync()
    {
        foreach (var call in _calls.Values)
        {
            call.Post(new InboundCall.Shutdown());
        }

        await Task.WhenAll(_running.Values).WaitAsync(TimeSpan.FromSeconds(10), Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var pending in _wrapUps.Values)
        {
            pending.Complete(Time.GetUtcNow(), this);
        }

        _wrapUps.Clear();
    }

    /// <summary>Starts recording a bridged call when its queue's policy says so; returns whether it did.</summary>
    internal bool StartRecording(MediaBridge bridge, string callId, string queue)
    {
        if (_deps.RecordQueue is not { } policy || _deps.RecordingClock is not { } clock || !policy(queue))
        {
            return false;
        }

        var safe = string.Concat(callId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var path = Path.Combine(_deps.RecordingDirectory, Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), safe + ".wav");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            bridge.StartRecording(path, clock);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.RecordingFailed(Logger, callId, path, e);
            return false;
        }
    }

    internal SdpNegotiator NewNegotiator(int port) => CallPlumbing.NewNegotiator(Options.MediaAddress, port);

    internal IFrameSource RingbackTone() => new PromptPlayer([_ringback], loop: true);

    internal void Finished(InboundCall call, CallRecord record, string? wrapUpAgent)
    {
        _calls.TryRemove(call.CallId, out _);
        _running.TryRemove(call, out _);
        Log.Finished(Logger, call.CallId, CallMetrics.OutcomeTag(record.Outcome), record.Reason, record.Queue, record.Agent);
        if (wrapUpAgent is null)
        {
            Write(record);
            return;
        }

        if (_wrapUps.TryRemove(wrapUpAgent, out var previous))
        {
            previous.Complete(Time.GetUtcNow(), this);
        }

        if (record.Queue is { } queue && _deps.Queues.WrapUp(queue) <= TimeSpan.Zero)
        {
            // No wrap-up: the agent went straight back to Available (no WrapUp state change will come, and the one that
            // did may have been dispatched before this call finished), so the record is complete now.
            Write(record with { WrapUpSeconds = 0 });
            return;
        }

        var pending = new PendingWrapUp(record);
        _wrapUps[wrapUpAgent] = pending;
        pending.Timer = Time.CreateTimer(
            static s =>
            {
                var (service, agent, p) = ((InboundCallService, string, PendingWrapUp))s!;
                if (service._wrapUps.TryRemove(new KeyValuePair<string, PendingWrapUp>(agent, p)))
                {
                    p.Complete(service.Time.GetUtcNow(), service);
                }
            },
            (this, wrapUpAgent, pending), Options.MaxWrapUpWait, Timeout.InfiniteTimeSpan);
    }

    private void Write(CallRecord record)
    {
        if (record is { Agent: not null, Queue: { } queue, TalkSeconds: { } talk })
        {
            Metrics.Handled(queue, TimeSpan.FromSeconds(talk + (record.HoldSeconds ?? 0) + (record.WrapUpSeconds ?? 0)));
        }

        try
        {
            _deps.Records.Write(record);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.RecordFailed(Logger, record.CallId, e);
        }
    }

    private bool Post(string callId, object callEvent)
    {
        if (_calls.TryGetValue(callId, out var call))
        {
            call.Post(callEvent);
            return true;
        }

        return false;
    }

    private sealed class PendingWrapUp(CallRecord record)
    {
        private int _done;

        public ITimer? Timer { get; set; }

        public string? Disposition { get; set; }

        public void Complete(DateTimeOffset now, InboundCallService service)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return;
            }

            Timer?.Dispose();
            service.Write(record with
            {
                WrapUpSeconds = Math.Round(Math.Max(0, (now - record.Ended).TotalSeconds), 3),
                Disposition = Disposition,
            });
        }
    }
}
