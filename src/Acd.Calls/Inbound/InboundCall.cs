using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Acd.Calls.Media;
using Acd.Calls.Records;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media;
using Acd.Media.Dtmf;
using Acd.Media.Mixing;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Players;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Headers;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;

namespace Acd.Calls.Inbound;

/// <summary>
/// One inbound call: an actor with its own event channel and one reader. Everything that happens to the call
/// (the caller's SIP events, the agent leg's, routing's offers, timers, digits, the IVR's end) is posted here
/// and handled in order, so the call's state needs no locks and every path ends in <see cref="FinishAsync"/>,
/// which releases the queue entry, the agent and the media whatever went wrong.
/// </summary>
internal sealed partial class InboundCall
{
    private enum Phase
    {
        Ivr,
        Queued,
        Talking,
        CallbackWaiting,

        /// <summary>A transfer is placing the caller elsewhere (music on hold).</summary>
        Transferring,

        /// <summary>Decided, playing a last prompt (a connected call's abandon prompt) before the BYE.</summary>
        Closing,
        Ended,
    }

    private readonly InboundCallService _service;
    private readonly SipCall _caller;
    private readonly IvrScript? _script;
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<CallRecordEvent> _log = [];
    private readonly List<CallLegRecord> _legs = [];
    private readonly List<Leg> _outgoing = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly ILogger _logger;
    private readonly DateTimeOffset _arrived;

    private Phase _phase = Phase.Ivr;
    private IMediaSession? _callerMedia;
    private MediaLegIvrChannel? _ivrMedia;
    private IvrSession? _ivr;
    private IvrResult? _ivrResult;
    private IvrQueueOutcome? _queueOutcome;
    private string? _queue;
    private bool _inQueue;
    private Leg? _ringing;
    private Leg? _agent;
    private Leg? _customer;
    private MediaBridge? _bridge;
    private PromptPlayer? _music;
    private ITimer? _announceTimer;
    private ITimer? _maxDurationTimer;
    private (string AgentId, string Queue)? _parkedOffer;
    private string? _callbackTarget;
    private DateTimeOffset? _ivrEnded;
    private DateTimeOffset? _enqueued;
    private DateTimeOffset? _offered;
    private DateTimeOffset? _answered;
    private DateTimeOffset? _talkEnded;
    private CallOutcome? _outcome;
    private string? _reason;
    private string? _recording;
    private bool _callerGone;
    private readonly ConnectedCallRequest? _connected;
    private readonly TaskCompletionSource<ConnectedCallOutcome>? _handover;
    private ITimer? _maxWaitTimer;
    private ITimer? _closingTimer;
    private volatile ActiveCallInfo _info;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _supervisorNames = [];
    private readonly List<string> _transfers = [];
    private DateTimeOffset? _holdStarted;
    private int? _priority;
    private IReadOnlyList<string> _skills = [];
    private Leg? _transferLeg;
    private Leg? _referrer;
    private object? _busyToken;
    private bool _directAgent;
    private string? _lastAgent;
    private MediaBridge? _recordingBridge;
    private TimeSpan _held;

    /// <summary>An answered call (outbound, callback) with its running media, handed to the queue flow.</summary>
    public InboundCall(InboundCallService service, SipCall call, IMediaSession media, ConnectedCallRequest request)
        : this(service, call, null, request.Queue, request.CallerId, request.CallerId, request.CallerName)
    {
        _connected = request;
        _callerMedia = media;
        _handover = new TaskCompletionSource<ConnectedCallOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (request.Arrived is { } arrived && arrived < _arrived)
        {
            _arrived = arrived;
        }

        _info = Snapshot();
    }

    public InboundCall(InboundCallService service, SipCall caller, IvrScript? script, string? queue, string dialed, string callerId, string? callerName)
    {
        _service = service;
        _caller = caller;
        _script = script;
        _queue = queue;
        DialedNumber = dialed;
        CallerId = callerId;
        CallerName = callerName;
        _logger = service.Logger;
        _arrived = service.Time.GetUtcNow();
        _info = Snapshot();
    }

    /// <summary>What the call is doing now (rebuilt by the actor after each event; read from any thread).</summary>
    public ActiveCallInfo Info => _info;

    /// <summary>Completes when the call is over (its record handed to the service).</summary>
    public Task Completion => _completion.Task;

    /// <summary>A connected call's hand-over outcome; null for calls that came in.</summary>
    public Task<ConnectedCallOutcome>? Handover => _handover?.Task;

    /// <summary>The agent ringing for or talking on the call, if any (any thread; from the last snapshot).</summary>
    public string? AgentId => _info.AgentId;

    public string CallId => _caller.CallId;

    public string DialedNumber { get; }

    public string CallerId { get; }

    public string? CallerName { get; }

    /// <summary>Posts an event to the call's loop (any thread).</summary>
    public void Post(object callEvent)
    {
        if (callEvent is LegSignal { Leg.Sink: { } sink } handedOver)
        {
            sink(handedOver.Event); // a leg taken over by another call (attended transfer)
            return;
        }

        _events.Writer.TryWrite(callEvent);
    }

    public async Task RunAsync()
    {
        try
        {
            if (_connected is not null ? !AttachConnected() : !Answer())
            {
                return;
            }

            _ = PumpAsync(_caller.Events, e => new CallerSignal(e));
            _maxDurationTimer = _service.Time.CreateTimer(static s => ((InboundCall)s!).Post(new MaxDurationReached()), this, _service.Options.MaxCallDuration, Timeout.InfiniteTimeSpan);
            if (_script is not null)
            {
                StartIvr(null);
            }
            else
            {
                await EnterQueueAsync(_queue ?? _service.Options.FallbackQueue, _connected?.Priority, [], _connected?.Arrived).ConfigureAwait(false);
            }

            _info = Snapshot();
            while (_phase != Phase.Ended && await _events.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_phase != Phase.Ended && _events.Reader.TryRead(out var e))
                {
                    await HandleAsync(e).ConfigureAwait(false);
                    CheckSupervision();
                    _info = Snapshot();
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.CallFailed(_logger, CallId, e);
            _outcome ??= CallOutcome.Failed;
            _reason ??= "internal-error";
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- answer

    private bool Answer()
    {
        var parsed = SdpParser.Parse(_caller.RemoteSdp.Span);
        if (_caller.RemoteSdp.IsEmpty || !parsed.Success)
        {
            // Late offers (INVITE without SDP) are not supported: contact centers' carriers always offer.
            Refuse(488, "Not Acceptable Here", _caller.RemoteSdp.IsEmpty ? "no_sdp" : "bad_sdp", parsed.Error ?? "no SDP offer");
            return false;
        }

        var media = _service.Media.Create("caller-" + CallId);
        if (media is null)
        {
            Refuse(503, "Service Unavailable", "no_media_port", "no RTP port free");
            return false;
        }

        var negotiator = _service.NewNegotiator(media.LocalPort);
        var answer = negotiator.AnswerOffer(parsed.Session!);
        if (!answer.Success)
        {
            _ = media.DisposeAsync().AsTask();
            Refuse(answer.StatusCode, answer.StatusCode == 488 ? "Not Acceptable Here" : "Bad Request", "bad_sdp", answer.Error ?? "no common codec");
            return false;
        }

        media.Apply(answer.Media!);
        media.Leg.DigitReceived += OnDigit;
        _callerMedia = media;
        _caller.OfferAnswerer = Reoffers(negotiator, media, answer.Media!.Codec);
        if (!_caller.Answer(Encoding.UTF8.GetBytes(answer.Local!.ToString())))
        {
            // The caller cancelled between the INVITE and our answer.
            _callerGone = true;
            _outcome = CallOutcome.Abandoned;
            _reason = "caller-cancelled";
            return false;
        }

        _service.Metrics.Started();
        _started = true;
        Event("answered");
        return true;
    }

    private bool _started;

    /// <summary>A connected call: the call is answered and its media negotiated and running already.</summary>
    private bool AttachConnected()
    {
        var request = _connected!;
        if (_caller.State == SipCallState.Ended)
        {
            _callerGone = true;
            _outcome = CallOutcome.Abandoned;
            _reason = "caller-hangup";
            return false;
        }

        _callerMedia!.Leg.DigitReceived += OnDigit;
        _service.Metrics.Started();
        _started = true;
        Event("connected", request.Campaign is { } campaign ? request.Direction + " " + campaign : request.Direction);
        if (request.AgentId is { } agent)
        {
            // Routing has no per-agent queueing: the promised agent is noted; the queue's best agent takes the call.
            Event("preferred-agent", agent);
        }

        if (_service.Draining)
        {
            _outcome = CallOutcome.Failed;
            _reason = "draining";
            return false;
        }

        if (request.MaxWait is { } maxWait && maxWait > TimeSpan.Zero)
        {
            _maxWaitTimer = _service.Time.CreateTimer(static s => ((InboundCall)s!).Post(new MaxWaitReached()), this, maxWait, Timeout.InfiniteTimeSpan);
        }

        return true;
    }

    private async Task OnMaxWaitAsync()
    {
        _maxWaitTimer?.Dispose();
        if (_phase is not Phase.Queued || _agent is not null || _callerGone)
        {
            return;
        }

        Event("max-wait");
        StopAnnouncements();
        await CancelRingingAsync("max-wait", report: false).ConfigureAwait(false);
        await LeaveQueueAsync().ConfigureAwait(false);
        _outcome = CallOutcome.Abandoned;
        _reason = "max-wait";
        var prompt = _connected?.AbandonPrompt is { } name && _callerMedia is not null
            ? _service.Prompts.Get(Path.IsPathRooted(name) ? name : Path.Combine(_service.Options.PromptDirectory, name)).Prompt
            : null;
        if (prompt is null)
        {
            End(CallOutcome.Abandoned, "max-wait");
            return;
        }

        // The prompt plays to its end (paced media), then the BYE.
        _phase = Phase.Closing;
        _callerMedia!.Leg.Play(new PromptPlayer([prompt]));
        _closingTimer = _service.Time.CreateTimer(static s => ((InboundCall)s!).Post(new ClosingDone()), this, prompt.Duration + TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
    }

    private ActiveCallInfo Snapshot()
    {
        var state = _phase switch
        {
            Phase.Ivr => ActiveCallState.Ivr,
            Phase.Queued or Phase.CallbackWaiting => _ringing is not null ? ActiveCallState.Ringing : ActiveCallState.Queued,
            Phase.Talking => _holdStarted is not null ? ActiveCallState.Held : ActiveCallState.Talking,
            Phase.Transferring => ActiveCallState.Transferring,
            _ => ActiveCallState.Ending,
        };
        var agent = _agent?.Party ?? _ringing?.Party ?? _transferLeg?.Party;
        return new ActiveCallInfo(CallId, CallerId, CallerName, DialedNumber, state, _queue, agent, _arrived, _answered, LiveSupervisors());
    }

    private void Refuse(int status, string phrase, string metric, string detail)
    {
        _caller.Reject(status, phrase);
        _service.Metrics.Refused(metric);
        Log.Refused(_logger, CallId, status, detail);
        _outcome = CallOutcome.Failed;
        _reason = metric;
        _callerGone = true;
    }

    // ---------------------------------------------------------------- events

    private sealed record CallerSignal(SipCallEvent Event);

    private sealed record LegSignal(Leg Leg, SipCallEvent Event);

    private sealed record IvrFinished(IvrResult? Result, Exception? Error);

    private sealed record DigitPressed(char Digit);

    private sealed record RingTimedOut(Leg Leg);

    private sealed record AnnounceDue;

    private sealed record MaxDurationReached;

    internal sealed record Offered(string AgentId, string Queue);

    internal sealed record ReservationLost(string AgentId);

    internal sealed record LeftQueue(string Detail);

    internal sealed record MovedQueue(string Queue);

    internal sealed record Shutdown;

    internal sealed record HangupRequested(TaskCompletionSource<CallControlResult> Done);

    internal sealed record TransferRequested(TransferTarget Target, Leg? ReferredBy, TaskCompletionSource<CallControlResult>? Done);

    internal sealed record SuperviseRequested(string SupervisorId, SipCall? Call, SupervisionMode Mode, TaskCompletionSource<CallControlResult> Done);

    private sealed record MaxWaitReached;

    private sealed record ClosingDone;

    private async Task HandleAsync(object e)
    {
        switch (e)
        {
            case CallerSignal { Event: SipCallEnded ended }:
                await OnCallerGoneAsync(ended.Reason).ConfigureAwait(false);
                break;
            case CallerSignal { Event: SipCallRequest { Method: "INFO" } info }:
                if (info.Request.TryGetField(SipHeaderId.ContentType, out var contentType))
                {
                    _callerMedia?.Leg.OnSipInfo(info.Request.GetValueString(contentType), info.Request.Body.Span);
                }

                break;
            case LegSignal signal:
                await OnLegAsync(signal.Leg, signal.Event).ConfigureAwait(false);
                break;
            case IvrFinished finished:
                await OnIvrFinishedAsync(finished).ConfigureAwait(false);
                break;
            case DigitPressed digit:
                await OnQueueDigitAsync(digit.Digit).ConfigureAwait(false);
                break;
            case Offered offer:
                await OnOfferAsync(offer.AgentId, offer.Queue).ConfigureAwait(false);
                break;
            case ReservationLost lost:
                OnReservationLost(lost.AgentId);
                break;
            case RingTimedOut timeout:
                await OnRingTimeoutAsync(timeout.Leg).ConfigureAwait(false);
                break;
            case AnnounceDue:
                await AnnounceAsync().ConfigureAwait(false);
                break;
            case LeftQueue left:
                await OnLeftQueueAsync(left.Detail).ConfigureAwait(false);
                break;
            case MovedQueue moved:
                Event("overflow", moved.Queue);
                _queue = moved.Queue;
                break;
            case MaxDurationReached:
                // An answered call cut at the limit still was answered; a call stuck before an agent is a failure.
                _reason = "max-duration";
                End(_agent is { Answered: true } ? CallOutcome.Answered : CallOutcome.Failed, "max-duration");
                break;
            case Shutdown:
                _reason ??= "shutdown";
                End(_agent is { Answered: true } ? CallOutcome.Answered : CallOutcome.Failed, _reason);
                break;
            case HangupRequested hangup:
                Event("hangup-requested");
                End(_agent is { Answered: true } ? CallOutcome.Answered : CallOutcome.Completed, "hangup-api");
                hangup.Done.TrySetResult(CallControlResult.Ok);
                break;
            case TransferRequested transfer:
                transfer.Done?.TrySetResult(await TransferAsync(transfer.Target, transfer.ReferredBy).ConfigureAwait(false));
                break;
            case SuperviseRequested supervise:
                await OnSuperviseAsync(supervise).ConfigureAwait(false);
                break;
            case SupervisionSignal supervision:
                OnSupervision(supervision);
                break;
            case MaxWaitReached:
                await OnMaxWaitAsync().ConfigureAwait(false);
                break;
            case ClosingDone:
                End(CallOutcome.Abandoned, "max-wait");
                break;
            case HandOverRequested handOver:
                handOver.Done.TrySetResult(HandOver(handOver));
                break;
        }
    }

    private void OnDigit(MediaLeg leg, DtmfDigit digit)
    {
        if (Volatile.Read(ref _ivrMedia) is null)
        {
            Post(new DigitPressed(digit.Digit));
        }
    }

    private Task PumpAsync(ChannelReader<SipCallEvent> reader, Func<SipCallEvent, object> wrap) => CallPlumbing.PumpAsync(reader, wrap, Post);

    // ---------------------------------------------------------------- IVR

    private void StartIvr(string? startNode)
    {
        var channel = new MediaLegIvrChannel(_callerMedia!.Leg, _service.Prompts, _service.IvrMediaOptions, _service.Time, _service.IvrMediaMetrics, _service.IvrChannelLogger);
        var session = _service.Engine.CreateSession(_script!, new IvrCallInfo(CallId, CallerId, DialedNumber), channel, _service.QueueInfo, startNode: startNode);
        channel.Attach(session);
        Volatile.Write(ref _ivrMedia, channel);
        _ivr = session;
        _phase = Phase.Ivr;
        Event("ivr", startNode ?? _script!.StartNode);
        _ = RunIvrAsync(session);
    }

    private async Task RunIvrAsync(IvrSession session)
    {
        try
        {
            var result = await session.RunAsync(_cts.Token).ConfigureAwait(false);
            Post(new IvrFinished(result, null));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Post(new IvrFinished(null, e));
        }
    }

    private void StopIvr()
    {
        var channel = Interlocked.Exchange(ref _ivrMedia, null);
        channel?.Attach(null);
        channel?.Dispose();
        _ivr = null;
    }

    private async Task OnIvrFinishedAsync(IvrFinished finished)
    {
        StopIvr();
        _ivrEnded ??= _service.Time.GetUtcNow();
        if (finished.Result is { } result)
        {
            _ivrResult = _ivrResult is null ? result : MergeIvr(_ivrResult, result);
        }

        var outcome = finished.Result?.Outcome ?? new IvrFailedOutcome(_ivr?.CurrentNode ?? "?", finished.Error?.Message ?? "failed");
        Event("ivr-end", outcome.GetType().Name.Replace("Ivr", string.Empty, StringComparison.Ordinal).Replace("Outcome", string.Empty, StringComparison.Ordinal).ToLowerInvariant() + ":" + outcome.Node);
        if (_callerGone)
        {
            return;
        }

        switch (outcome)
        {
            case IvrQueueOutcome q:
                _queueOutcome = q;
                await EnterQueueAsync(q.Queue ?? _service.Options.FallbackQueue, q.Priority, q.Skills).ConfigureAwait(false);
                break;
            case IvrTransferOutcome { Kind: TransferKind.Queue } t:
                await EnterQueueAsync(t.Destination, null, []).ConfigureAwait(false);
                break;
            case IvrTransferOutcome t:
                var target = t.Kind == TransferKind.Agent ? new TransferTarget(TransferTargetKind.Agent, t.Destination) : ResolveTarget(t.Destination);
                if (!(await TransferAsync(target, null).ConfigureAwait(false)).Succeeded && _phase == Phase.Ivr)
                {
                    Log.TransferUnsupported(_logger, CallId, t.Kind.ToString(), t.Destination);
                    End(CallOutcome.Failed, "transfer-" + t.Kind.ToString().ToLowerInvariant() + "-refused");
                }

                break;
            case IvrCallbackOutcome cb:
                await StartCallbackAsync(cb).ConfigureAwait(false);
                break;
            case IvrVoicemailOutcome vm:
                _recording = vm.Recording.Path;
                await LeaveQueueAsync().ConfigureAwait(false);
                End(CallOutcome.Voicemail, "voicemail:" + vm.Mailbox);
                break;
            case IvrHangupOutcome:
                await LeaveQueueAsync().ConfigureAwait(false);
                End(_inQueue ? CallOutcome.Abandoned : CallOutcome.Completed, "ivr-hangup");
                break;
            case IvrCallerHangupOutcome:
                await OnCallerGoneAsync("bye").ConfigureAwait(false);
                break;
            default:
                var fallback = _service.Options.FallbackQueue;
                if (!_inQueue && fallback is not null && _service.Queues.Exists(fallback))
                {
                    Log.IvrFailed(_logger, CallId, (outcome as IvrFailedOutcome)?.Reason ?? "unknown", fallback);
                    await EnterQueueAsync(fallback, null, []).ConfigureAwait(false);
                }
                else
                {
                    End(CallOutcome.Failed, "ivr-failed");
                }

                break;
        }
    }

    private static IvrResult MergeIvr(IvrResult first, IvrResult second)
    {
        var variables = new Dictionary<string, string>(first.Variables, StringComparer.Ordinal);
        foreach (var (k, v) in second.Variables)
        {
            variables[k] = v;
        }

        return second with { Variables = variables, Path = [.. first.Path, .. second.Path] };
    }

    // ---------------------------------------------------------------- queue

    private async Task EnterQueueAsync(string? queue, int? priority, IReadOnlyList<string> skills, DateTimeOffset? arrived = null)
    {
        if (_inQueue)
        {
            // Resumed from a queue's exit node into another queue node: the place is kept.
            PlayMusic();
            _phase = Phase.Queued;
            return;
        }

        if (queue is null || !_service.Queues.Exists(queue))
        {
            Log.NoQueue(_logger, CallId, queue ?? "(none)");
            End(CallOutcome.Failed, "unknown-queue");
            return;
        }

        _queue = queue;
        _priority = priority;
        _skills = skills;
        _phase = Phase.Queued;
        PlayMusic();
        var result = arrived is { } since
            ? await _service.Queues.EnqueueAsync(CallId, queue, priority, skills, since, _cts.Token).ConfigureAwait(false)
            : await _service.Queues.EnqueueAsync(CallId, queue, priority, skills, _cts.Token).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Log.EnqueueRefused(_logger, CallId, queue, result.Reason);
            End(CallOutcome.Failed, "enqueue-refused");
            return;
        }

        _inQueue = true;
        _enqueued ??= _service.Time.GetUtcNow();
        Event("enqueued", queue);
        var first = _service.Options.FirstAnnouncement;
        if (first > TimeSpan.Zero)
        {
            var every = _service.Options.AnnouncementInterval > TimeSpan.Zero ? _service.Options.AnnouncementInterval : Timeout.InfiniteTimeSpan;
            _announceTimer = _service.Time.CreateTimer(static s => ((InboundCall)s!).Post(new AnnounceDue()), this, first, every);
        }
    }

    private void PlayMusic()
    {
        if (_callerMedia is null || _callerGone)
        {
            return;
        }

        _music ??= _service.MusicOnHold.Player(_service.Options.MusicOnHoldClass);
        _callerMedia.Leg.Play(_music is null ? new SilenceSource() : _music);
    }

    private async Task AnnounceAsync()
    {
        if (_phase != Phase.Queued || _ringing is not null || _callerMedia is null)
        {
            return;
        }

        var place = await _service.Queues.GetPlaceAsync(CallId, _cts.Token).ConfigureAwait(false);
        if (place is not { } p || _phase != Phase.Queued || _ringing is not null)
        {
            return;
        }

        var names = new List<string> { "you-are-caller-number" };
        SayWords.Number(p.Position, names);
        if (p.EstimatedWait is { } ewt && ewt > TimeSpan.Zero)
        {
            names.Add("your-estimated-wait-is-about");
            SayWords.Duration(ewt.TotalSeconds, names);
        }

        var prompts = new List<Prompt>(names.Count);
        foreach (var name in names)
        {
            if (_service.Prompts.Get(Path.Combine(_service.Options.PromptDirectory, name + ".wav")).Prompt is { } prompt)
            {
                prompts.Add(prompt);
            }
        }

        if (prompts.Count > 0)
        {
            Event("announcement", string.Create(CultureInfo.InvariantCulture, $"position {p.Position}, ewt {(p.EstimatedWait?.TotalSeconds ?? -1):0}s"));
            _music ??= _service.MusicOnHold.Player(_service.Options.MusicOnHoldClass);
            _callerMedia.Leg.Play(new SequenceSource(new PromptPlayer(prompts), _music is null ? new SilenceSource() : _music));
        }
    }

    private async Task OnQueueDigitAsync(char digit)
    {
        if (_phase != Phase.Queued || _queueOutcome is not { ExitKey: { } key, ExitNode: { } exitNode } || digit != key || _ringing is not null || _script is null)
        {
            return;
        }

        Event("exit-key", digit.ToString());
        StopAnnouncements();
        if (_script.KindOf(exitNode) != IvrNodeKind.Callback)
        {
            // Anything but a callback (voicemail, a menu...) leaves the queue; a callback keeps the caller's place.
            await LeaveQueueAsync().ConfigureAwait(false);
        }

        _queueOutcome = null;
        StartIvr(exitNode);
    }

    private async Task OnLeftQueueAsync(string detail)
    {
        // Routing took the call out: max wait, or an escalation step to voicemail or callback.
        _inQueue = false;
        Event("left-queue", detail);
        if (_phase is not (Phase.Queued or Phase.CallbackWaiting))
        {
            return;
        }

        await CancelRingingAsync("left-queue", report: false).ConfigureAwait(false);
        if (_phase == Phase.Queued && _queueOutcome?.ExitNode is { } exitNode && _script is not null)
        {
            StopAnnouncements();
            _queueOutcome = null;
            StartIvr(exitNode);
            return;
        }

        End(_phase == Phase.CallbackWaiting ? CallOutcome.Callback : CallOutcome.Failed, detail);
    }

    private async Task LeaveQueueAsync()
    {
        if (!_inQueue)
        {
            return;
        }

        _inQueue = false;
        await _service.Queues.AbandonAsync(CallId, CancellationToken.None).ConfigureAwait(false);
    }

    private void StopAnnouncements()
    {
        _announceTimer?.Dispose();
        _announceTimer = null;
    }

    // ---------------------------------------------------------------- agent legs

    private async Task OnOfferAsync(string agentId, string queue)
    {
        _offered ??= _service.Time.GetUtcNow();
        _queue = queue;
        Event("offered", agentId);
        if (_phase == Phase.Ivr && _inQueue)
        {
            // The caller is at the queue's callback exit: ring the agent once the script has finished.
            _parkedOffer = (agentId, queue);
            return;
        }

        if (_phase is not (Phase.Queued or Phase.CallbackWaiting) || _ringing is not null || _agent is not null)
        {
            await _service.Queues.RejectAsync(CallId, agentId, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var contacts = await _service.Agents.FindAsync(agentId, _cts.Token).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            Log.AgentUnreachable(_logger, CallId, agentId);
            _service.Metrics.AgentLeg("unreachable");
            Event("agent-unreachable", agentId);
            await _service.Queues.RejectAsync(CallId, agentId, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var media = _service.Media.Create("agent-" + agentId + "-" + CallId);
        if (media is null)
        {
            await _service.Queues.RejectAsync(CallId, agentId, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var leg = DialAgent(agentId, queue, contacts[0], media, _phase == Phase.CallbackWaiting);
        _ringing = leg;
        leg.RingTimer = _service.Time.CreateTimer(static s => { var (c, l) = ((InboundCall, Leg))s!; c.Post(new RingTimedOut(l)); }, (this, leg), _service.Queues.RingTimeout(queue), Timeout.InfiniteTimeSpan);
        Log.Ringing(_logger, CallId, agentId, contacts[0].Uri);
    }

    /// <summary>Sends the INVITE of an agent leg (caller ID, queue and screen-pop headers) and pumps its events.</summary>
    private Leg DialAgent(string agentId, string queue, AgentContact contact, IMediaSession media, bool callback)
    {
        var negotiator = _service.NewNegotiator(media.LocalPort);
        var offer = negotiator.CreateOffer();
        var who = callback ? "callback " + CallerId : CallerName is { Length: > 0 } n ? n + " " + CallerId : CallerId;
        var request = new SipOriginateRequest
        {
            Target = contact.Uri,
            Destination = contact.Destination,
            From = CallerUri(),
            FromDisplayName = queue + ": " + who,
            Sdp = Encoding.UTF8.GetBytes(offer.ToString()),
            Headers =
            [
                new SipHeader("P-Asserted-Identity", SipUserAgent.QuoteDisplayName(CallerName ?? CallerId) + " <" + CallerUri() + ">"),
                new SipHeader("X-Acd-Queue", queue),
                new SipHeader("X-Acd-Call-Id", CallId),
                new SipHeader("X-Acd-Caller", CallerId),
                .. DataHeaders(),
            ],
        };
        var call = _service.UserAgent.Originate(request);
        var leg = new Leg("agent", agentId, call, media, negotiator, _service.Time.GetUtcNow());
        _outgoing.Add(leg);
        _ = PumpAsync(call.Events, e => new LegSignal(leg, e));
        return leg;
    }

    /// <summary>A connected call's screen-pop data as <c>X-Acd-Data-&lt;key&gt;</c> headers (unsafe keys skipped, values on one line).</summary>
    private IEnumerable<SipHeader> DataHeaders()
    {
        if (_connected is null)
        {
            yield break;
        }

        if (_connected.Campaign is { } campaign)
        {
            yield return new SipHeader("X-Acd-Campaign", OneLine(campaign));
        }

        foreach (var (key, value) in _connected.Data)
        {
            if (key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                yield return new SipHeader("X-Acd-Data-" + key, OneLine(value));
            }
        }

        static string OneLine(string value) => string.Concat(value.Where(c => !char.IsControl(c))).Trim();
    }

    private string CallerUri()
    {
        var user = new StringBuilder(CallerId.Length);
        foreach (var c in CallerId)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')' or '&' or '=' or '$' or ',' or ';' or '?' or '/')
            {
                user.Append(c);
            }
        }

        return "sip:" + (user.Length > 0 ? user.ToString() : "anonymous") + "@" + _service.Options.Domain;
    }

    private async Task OnLegAsync(Leg leg, SipCallEvent e)
    {
        if (leg.Role == "customer")
        {
            await OnCustomerLegAsync(leg, e).ConfigureAwait(false);
            return;
        }

        if (leg.Role == "supervisor")
        {
            await OnSupervisorLegAsync(leg, e).ConfigureAwait(false);
            return;
        }

        if (leg == _transferLeg && e is SipCallAnswered or SipCallFailed)
        {
            await OnTransferLegAsync(leg, e).ConfigureAwait(false);
            return;
        }

        switch (e)
        {
            case SipCallRequest { Method: "REFER" } refer:
                await OnReferAsync(leg, refer.Request).ConfigureAwait(false);
                break;
            case SipCallProvisional { StatusCode: 180 or 183 } when leg == _ringing:
                if (!leg.Alerting)
                {
                    leg.Alerting = true;
                    Event("agent-ringing", leg.Party);
                }

                break;
            case SipCallAnswered answered when leg == _ringing:
                await OnAgentAnsweredAsync(leg, answered).ConfigureAwait(false);
                break;
            case SipCallAnswered:
                // An answer we no longer want (the caller left, the reservation moved on): hang it up.
                leg.Call.Hangup();
                break;
            case SipCallFailed failed when leg == _ringing:
                await OnAgentFailedAsync(leg, failed).ConfigureAwait(false);
                break;
            case SipCallFailed failed:
                leg.Status ??= failed.StatusCode;
                break;
            case SipCallEnded ended:
                await OnLegEndedAsync(leg, ended.Reason).ConfigureAwait(false);
                break;
            case SipCallRequest { Method: "INVITE" or "UPDATE" } reinvite when leg == _agent:
                OnAgentReoffer(reinvite.Request);
                break;
            case SipCallRequest { Method: "INFO" } info when info.Request.TryGetField(SipHeaderId.ContentType, out var contentType):
                leg.Media.Leg.OnSipInfo(info.Request.GetValueString(contentType), info.Request.Body.Span);
                break;
        }
    }

    // ---------------------------------------------------------------- hold

    /// <summary>
    /// The answerer of a leg's re-INVITE/UPDATE offers (runs on the SIP receive thread): the same negotiator answers,
    /// with the leg's codec only, so the answer keeps codec and port and mirrors the direction (sendonly -&gt; recvonly,
    /// inactive -&gt; inactive); the leg's media follows the answer at once (recvonly: it sends nothing).
    /// </summary>
    private static Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>?> Reoffers(SdpNegotiator negotiator, IMediaSession media, G711Law codec)
    {
        negotiator.UpdateLocal(negotiator.Options with { Codecs = [codec] });
        return offer =>
        {
            var parsed = SdpParser.Parse(offer.Span);
            if (!parsed.Success)
            {
                return null;
            }

            lock (negotiator)
            {
                var answer = negotiator.AnswerOffer(parsed.Session!);
                if (!answer.Success)
                {
                    return null;
                }

                media.Apply(answer.Media!);
                return Encoding.UTF8.GetBytes(answer.Local!.ToString());
            }
        };
    }

    /// <summary>The agent's phone re-offered: sendonly/inactive holds the caller (music; the agent hears nothing), sendrecv resumes.</summary>
    private void OnAgentReoffer(SipMessage request)
    {
        if (_phase != Phase.Talking || request.Body.IsEmpty || SdpParser.Parse(request.Body.Span) is not { Success: true, Session: { } offer }
            || offer.Media.FirstOrDefault(m => m.Kind == "audio" && m.Port != 0) is not { } audio)
        {
            return;
        }

        var direction = offer.DirectionOf(audio);
        var hold = direction is SdpDirection.SendOnly or SdpDirection.Inactive;
        if (hold && _holdStarted is null)
        {
            Hold();
        }
        else if (!hold && _holdStarted is not null)
        {
            Resume();
        }
    }

    private void Hold()
    {
        _holdStarted = _service.Time.GetUtcNow();
        Event("hold", _agent?.Party);
        DetachParties();
        PlayMusic();
    }

    private void Resume()
    {
        EndHold();
        Event("resume", _agent?.Party);
        _callerMedia?.Leg.Stop();
        AttachParties();
    }

    /// <summary>Stops relaying between caller and agent (the bridge and its recorder are kept).</summary>
    private void DetachParties()
    {
        DetachMixer();
        if (_callerMedia is { } caller && caller.Leg.Forwarder is { } forwarder && ReferenceEquals(forwarder, _bridge))
        {
            caller.Leg.Forwarder = null;
        }

        if (_agent?.Media.Leg is { } agent && ReferenceEquals(agent.Forwarder, _bridge))
        {
            agent.Forwarder = null;
        }
    }

    /// <summary>Relays caller and agent through the call's bridge again.</summary>
    private void AttachParties()
    {
        if (AttachMixer())
        {
            return;
        }

        if (_bridge is null || _callerMedia is null || _agent is null)
        {
            return;
        }

        _callerMedia.Leg.Forwarder = _bridge;
        _agent.Media.Leg.Forwarder = _bridge;
    }

    private async Task OnAgentAnsweredAsync(Leg leg, SipCallAnswered answered)
    {
        leg.StopRinging();
        _ringing = null;
        var accepted = await _service.Queues.AcceptAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
        var parsed = SdpParser.Parse(answered.Sdp.Span);
        var media = parsed.Success ? leg.Negotiator.AcceptAnswer(parsed.Session!) : null;
        if (!accepted.Succeeded || media is not { Success: true })
        {
            Log.AnswerDropped(_logger, CallId, leg.Party, accepted.Reason ?? media?.Error ?? parsed.Error ?? "no SDP");
            leg.EndReason = accepted.Succeeded ? "bad-sdp" : "not-reserved";
            leg.Call.Hangup();
            if (accepted.Succeeded)
            {
                await _service.Queues.EndAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
                End(CallOutcome.Failed, "agent-bad-sdp");
            }

            return;
        }

        leg.Media.Apply(media.Media!);
        leg.Call.OfferAnswerer = Reoffers(leg.Negotiator, leg.Media, media.Media!.Codec);
        leg.Answered = true;
        leg.AnsweredAt = _service.Time.GetUtcNow();
        leg.Status = 200;
        _service.Metrics.AgentAnswered(leg.AnsweredAt.Value - leg.Started);
        _inQueue = false;
        _agent = leg;
        StopAnnouncements();
        Event("agent-answered", leg.Party);
        if (_phase == Phase.CallbackWaiting)
        {
            // Agent first, then the customer: the agent hears ringback tones until the customer answers.
            _answered = leg.AnsweredAt;
            leg.Media.Leg.Play(_service.RingbackTone());
            DialCustomer();
            return;
        }

        _answered ??= leg.AnsweredAt;
        _callerMedia!.Leg.Stop();
        Bridge(leg);
        _phase = Phase.Talking;
        _maxWaitTimer?.Dispose();
        _handover?.TrySetResult(ConnectedCallOutcome.Agent);

        Log.Bridged(_logger, CallId, leg.Party);
    }

    private async Task OnAgentFailedAsync(Leg leg, SipCallFailed failed)
    {
        leg.StopRinging();
        _ringing = null;
        leg.Status = failed.StatusCode;
        if (leg.EndReason is not null)
        {
            // Our own CANCEL (ring timeout, caller left): already reported.
            return;
        }

        Event("agent-failed", leg.Party + " " + failed.StatusCode.ToString(CultureInfo.InvariantCulture));
        if (failed.StatusCode is 486 or 600 or 603)
        {
            leg.EndReason = "rejected";
            _service.Metrics.AgentLeg("rejected");
            await _service.Queues.RejectAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
        }
        else if (failed.StatusCode is 408 or 480 or 487)
        {
            leg.EndReason = "no-answer";
            _service.Metrics.AgentLeg("no_answer");
            await _service.Queues.RingNoAnswerAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            leg.EndReason = "unreachable";
            _service.Metrics.AgentLeg("unreachable");
            await _service.Queues.RejectAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task OnRingTimeoutAsync(Leg leg)
    {
        if (leg == _transferLeg)
        {
            leg.EndReason = "ring-no-answer";
            leg.Call.Hangup();
            await OnTransferLegAsync(leg, new SipCallFailed(408, "Request Timeout")).ConfigureAwait(false);
            return;
        }

        if (leg != _ringing)
        {
            return;
        }

        _ringing = null;
        leg.EndReason = "ring-no-answer";
        leg.Call.Hangup();
        _service.Metrics.AgentLeg("no_answer");
        Event("ring-no-answer", leg.Party);
        await _service.Queues.RingNoAnswerAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
    }

    private void OnReservationLost(string agentId)
    {
        // Routing gave up on the reservation (its lease ran out before our ring timer): stop ringing.
        if (_ringing is { } leg && leg.Party == agentId)
        {
            _ringing = null;
            leg.EndReason = "ring-no-answer";
            leg.StopRinging();
            leg.Call.Hangup();
            _service.Metrics.AgentLeg("no_answer");
            Event("ring-no-answer", agentId);
        }
    }

    private async Task CancelRingingAsync(string reason, bool report)
    {
        if (_ringing is not { } leg)
        {
            return;
        }

        _ringing = null;
        leg.EndReason = reason;
        leg.StopRinging();
        leg.Call.Hangup();
        _service.Metrics.AgentLeg("cancelled");
        if (report)
        {
            await _service.Queues.RejectAsync(CallId, leg.Party, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task OnLegEndedAsync(Leg leg, string reason)
    {
        leg.EndedAt ??= _service.Time.GetUtcNow();
        leg.EndReason ??= reason;
        if (!leg.Recorded)
        {
            leg.Recorded = true;
            _legs.Add(leg.ToRecord());
            await leg.Media.DisposeAsync().ConfigureAwait(false);
        }

        if (leg == _agent && _phase is Phase.Talking or Phase.CallbackWaiting)
        {
            Event("agent-hangup", leg.Party);
            End(CallOutcome.Answered, "agent-hangup");
        }
    }

    // ---------------------------------------------------------------- callback

    private async Task StartCallbackAsync(IvrCallbackOutcome cb)
    {
        _callbackTarget = cb.Number;
        Event("callback-requested", cb.Queue + " " + cb.Number);

        // Hang the caller up after the confirmation the script played; the queue entry stays (the caller's place).
        _callerGone = true;
        _caller.Hangup();
        _callerMedia?.Leg.Stop();
        StopAnnouncements();
        if (cb.Number != CallerId)
        {
            await ScheduleTypedCallbackAsync(cb).ConfigureAwait(false); // a typed number: the dialer calls it (InboundCall.Callback.cs)
            return;
        }

        if (!_inQueue)
        {
            _queue = cb.Queue;
            var result = await _service.Queues.EnqueueAsync(CallId, cb.Queue, null, [], _cts.Token).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                End(CallOutcome.Failed, "callback-enqueue-refused");
                return;
            }

            _inQueue = true;
            _enqueued ??= _service.Time.GetUtcNow();
        }

        _phase = Phase.CallbackWaiting;
        if (_parkedOffer is { } parked)
        {
            _parkedOffer = null;
            await OnOfferAsync(parked.AgentId, parked.Queue).ConfigureAwait(false);
        }
    }

    private void DialCustomer()
    {
        // The customer is called back on the leg they came from (a SIP caller). Numbers typed in the IVR need a
        // trunk: those callbacks are placed by the outbound dialer.
        string? target = null;
        if (_caller.Invite is { } invite
            && (invite.TryGetNameAddr(SipHeaderId.Contact, out var address) || invite.TryGetFrom(out address))
            && invite.TryGetUri(address.Uri, out var uri) && uri.IsSip)
        {
            target = Encoding.UTF8.GetString(uri.Span);
        }

        var media = target is null ? null : _service.Media.Create("customer-" + CallId);
        if (target is null || media is null || (_callbackTarget is { } t && t != CallerId))
        {
            if (media is not null)
            {
                _ = media.DisposeAsync().AsTask();
            }

            Event("callback-failed", "no route to " + (_callbackTarget ?? CallerId));
            _agent!.Call.Hangup();
            End(CallOutcome.Callback, "callback-no-route");
            return;
        }

        var negotiator = _service.NewNegotiator(media.LocalPort);
        var call = _service.UserAgent.Originate(new SipOriginateRequest
        {
            Target = target,
            Destination = _caller.Peer,
            From = "sip:" + DialedNumber + "@" + _service.Options.Domain,
            Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()),
        });
        var leg = new Leg("customer", CallerId, call, media, negotiator, _service.Time.GetUtcNow());
        _outgoing.Add(leg);
        _customer = leg;
        _ = PumpAsync(call.Events, e => new LegSignal(leg, e));
        Event("callback-dialing", target);
    }

    private Task OnCustomerLegAsync(Leg leg, SipCallEvent e)
    {
        switch (e)
        {
            case SipCallAnswered answered:
                var parsed = SdpParser.Parse(answered.Sdp.Span);
                var media = parsed.Success ? leg.Negotiator.AcceptAnswer(parsed.Session!) : null;
                if (media is not { Success: true } || _agent is null)
                {
                    leg.Call.Hangup();
                    break;
                }

                leg.Media.Apply(media.Media!);
                leg.Answered = true;
                leg.AnsweredAt = _service.Time.GetUtcNow();
                leg.Status = 200;
                _agent.Media.Leg.Stop();
                _bridge = new MediaBridge(leg.Media.Leg, _agent.Media.Leg);
                _phase = Phase.Talking;
                Event("callback-connected", CallerId);
                break;
            case SipCallFailed failed:
                leg.Status = failed.StatusCode;
                Event("callback-failed", failed.StatusCode.ToString(CultureInfo.InvariantCulture));
                _agent?.Call.Hangup();
                End(CallOutcome.Callback, "callback-no-answer");
                break;
            case SipCallEnded ended:
                leg.EndedAt ??= _service.Time.GetUtcNow();
                leg.EndReason ??= ended.Reason;
                if (_phase == Phase.Talking)
                {
                    _agent?.Call.Hangup();
                    End(CallOutcome.Callback, "caller-hangup");
                }

                break;
        }

        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------- endings

    private async Task OnCallerGoneAsync(string reason)
    {
        if (_phase == Phase.CallbackWaiting || _callerGone && _phase != Phase.Ivr)
        {
            return;
        }

        _callerGone = true;
        Event("caller-hangup", reason);
        switch (_phase)
        {
            case Phase.Ivr when _ivr is { } session:
                // The session ends with IvrCallerHangupOutcome; finish here without waiting for it.
                session.Hangup();
                StopIvr();
                await LeaveQueueAsync().ConfigureAwait(false);
                End(CallOutcome.Abandoned, "caller-hangup-ivr");
                break;
            case Phase.Ivr:
            case Phase.Queued:
                await CancelRingingAsync("caller-hangup", report: false).ConfigureAwait(false);
                await LeaveQueueAsync().ConfigureAwait(false);
                End(CallOutcome.Abandoned, _enqueued is null ? "caller-hangup-ivr" : "caller-hangup-queue");
                break;
            case Phase.Talking:
                _agent?.Call.Hangup();
                End(CallOutcome.Answered, "caller-hangup");
                break;
            case Phase.Closing:
                End(CallOutcome.Abandoned, _reason ?? "caller-hangup");
                break;
            case Phase.Transferring:
                End(_lastAgent is null ? CallOutcome.Abandoned : CallOutcome.Answered, "caller-hangup-transfer");
                break;
        }
    }

    private void End(CallOutcome outcome, string reason)
    {
        if (_phase == Phase.Ended)
        {
            return;
        }

        _outcome ??= outcome;
        _reason ??= reason;
        _phase = Phase.Ended;
    }

    private async Task FinishAsync()
    {
        _phase = Phase.Ended;
        await _cts.CancelAsync().ConfigureAwait(false);
        StopAnnouncements();
        _maxDurationTimer?.Dispose();
        _maxWaitTimer?.Dispose();
        _closingTimer?.Dispose();
        _ivr?.Hangup();
        StopIvr();
        EndSupervision("call-ended", hangup: false); // its leg gets BYE with the others below
        if ((_recordingBridge ?? _bridge) is { } recorded)
        {
            _recording = await recorded.StopRecordingAsync().ConfigureAwait(false) ?? _recording;
        }

        _bridge?.Dispose();
        _recordingBridge?.Dispose();

        // Release routing whatever happened: a waiting call leaves, a ringing agent is freed, a talking one wraps up
        // (after the drain below: see there).
        try
        {
            await CancelRingingAsync("call-ended", report: false).ConfigureAwait(false);
            await LeaveQueueAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.ReleaseFailed(_logger, CallId, e);
        }

        if (_agent is { Answered: true })
        {
            _talkEnded = _service.Time.GetUtcNow();
        }

        EndHold();

        if (!_callerGone || _caller.State != SipCallState.Ended)
        {
            _caller.Hangup();
        }

        foreach (var leg in _outgoing)
        {
            if (!leg.Recorded && leg.Call.State != SipCallState.Ended)
            {
                leg.EndReason ??= _reason;
                leg.Call.Hangup();
            }
        }

        // Give the legs we just hung up a moment to confirm (487 after CANCEL, 200 to BYE) so the record has their status.
        await DrainLegsAsync().ConfigureAwait(false);
        foreach (var leg in _outgoing)
        {
            if (!leg.Recorded)
            {
                leg.EndedAt ??= _service.Time.GetUtcNow();
                leg.Recorded = true;
                _legs.Add(leg.ToRecord());
                await leg.Media.DisposeAsync().ConfigureAwait(false);
            }
        }

        var callerQuality = _callerMedia is null ? null : CallLegQuality.Of(_callerMedia.Leg);
        if (_callerMedia is not null)
        {
            _callerMedia.Leg.DigitReceived -= OnDigit;
            await _callerMedia.DisposeAsync().ConfigureAwait(false);
        }

        // The agent goes to wrap-up only now, right before the record waits for its end (Finished): a wrap-up shorter
        // than the drain (an earlier agent's phone that never answered keeps it waiting 2 s) ended unseen, and the
        // record then waited MaxWrapUpWait.
        if (_transferLeg is not null || _directAgent)
        {
            // An agent rung by a transfer was kept out of routing: it is given back (no wrap-up of a routed call).
            var target = _transferLeg?.Party ?? _agent?.Party;
            if (target is not null && _service.AgentBusy is { } busy)
            {
                await busy.RestoreAsync(target, _busyToken, CancellationToken.None).ConfigureAwait(false);
            }
        }
        else if (_agent is { Answered: true } agent)
        {
            await EndAgentAsync(agent.Party).ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _referrer, null) is { } referrer)
        {
            referrer.Call.Hangup();
        }

        var record = BuildRecord(callerQuality);
        if (_started)
        {
            _service.Metrics.Finished(record.Outcome);
        }

        _handover?.TrySetResult(record.Outcome switch
        {
            CallOutcome.Answered => ConnectedCallOutcome.Agent,
            CallOutcome.Abandoned when record.Reason == "max-wait" => ConnectedCallOutcome.Abandoned,
            CallOutcome.Abandoned => ConnectedCallOutcome.HungUp,
            _ => ConnectedCallOutcome.Refused,
        });
        _service.Finished(this, record, _agent is { Answered: true } a && !_directAgent ? a.Party : null);
        _cts.Dispose();
        _completion.TrySetResult();
    }

    private async Task DrainLegsAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2), _service.Time);
        try
        {
            while (_outgoing.Any(l => !l.Recorded) && await _events.Reader.WaitToReadAsync(limit.Token).ConfigureAwait(false))
            {
                while (_events.Reader.TryRead(out var e))
                {
                    switch (e)
                    {
                        case LegSignal { Event: SipCallFailed failed } signal:
                            signal.Leg.Status ??= failed.StatusCode;
                            break;
                        case LegSignal { Event: SipCallEnded ended } signal when !signal.Leg.Recorded:
                            signal.Leg.EndedAt ??= _service.Time.GetUtcNow();
                            signal.Leg.EndReason ??= ended.Reason;
                            signal.Leg.Recorded = true;
                            _legs.Add(signal.Leg.ToRecord());
                            await signal.Leg.Media.DisposeAsync().ConfigureAwait(false);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private CallRecord BuildRecord(CallLegQuality? callerQuality)
    {
        var now = _service.Time.GetUtcNow();
        var caller = new CallLegRecord
        {
            Role = "caller",
            SipCallId = CallId,
            Party = CallerId,
            Peer = _caller.Peer.ToString(),
            Started = _arrived,
            Answered = _started ? _arrived : null,
            Ended = now,
            Status = _started ? 200 : null,
            EndReason = _reason,
            Quality = callerQuality,
        };
        var waitEnd = _answered ?? now;
        return new CallRecord
        {
            CallId = CallId,
            Node = _service.Options.Node,
            DialedNumber = DialedNumber,
            Direction = _connected?.Direction ?? "inbound",
            Campaign = _connected?.Campaign,
            CallerId = CallerId,
            CallerName = CallerName,
            Arrived = _arrived,
            IvrEnded = _ivrEnded,
            Enqueued = _enqueued,
            Offered = _offered,
            Answered = _answered,
            Ended = _talkEnded ?? now,
            IvrScript = _script?.Name,
            IvrPath = _ivrResult?.Path ?? [],
            IvrVariables = _ivrResult?.Variables ?? new Dictionary<string, string>(),
            Queue = _queue,
            Agent = _agent is { Answered: true } a ? a.Party : _lastAgent,
            WaitSeconds = _enqueued is { } q ? Math.Round((waitEnd - q).TotalSeconds, 3) : null,
            TalkSeconds = _answered is { } ans ? Math.Round(Math.Max(0, ((_talkEnded ?? now) - ans - _held).TotalSeconds), 3) : null,
            HoldSeconds = _held > TimeSpan.Zero ? Math.Round(_held.TotalSeconds, 3) : null,
            Supervisors = _supervisorNames.Count > 0 ? [.. _supervisorNames] : null,
            Transfers = _transfers.Count > 0 ? [.. _transfers] : null,
            Outcome = _outcome ?? CallOutcome.Failed,
            Reason = _reason,
            RecordingFile = _recording,
            Legs = [caller, .. _legs],
            Events = _log,
        };
    }

    /// <summary>Ends a hold in progress, adding it to the call's hold time.</summary>
    private void EndHold()
    {
        if (_holdStarted is { } since)
        {
            _held += _service.Time.GetUtcNow() - since;
            _holdStarted = null;
        }
    }

    private void Event(string kind, string? detail = null) => _log.Add(new CallRecordEvent(_service.Time.GetUtcNow(), kind, detail));

    /// <summary>An outgoing leg (an agent's phone, or the customer on a callback).</summary>
    internal sealed class Leg(string role, string party, SipCall call, IMediaSession media, SdpNegotiator negotiator, DateTimeOffset started)
    {
        public string Role { get; } = role;

        public string Party { get; } = party;

        public SipCall Call { get; } = call;

        public IMediaSession Media { get; } = media;

        public SdpNegotiator Negotiator { get; } = negotiator;

        public DateTimeOffset Started { get; } = started;

        public ITimer? RingTimer { get; set; }

        public bool Alerting { get; set; }

        public bool Answered { get; set; }

        public DateTimeOffset? AnsweredAt { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        public int? Status { get; set; }

        public string? EndReason { get; set; }

        public bool Recorded { get; set; }

        private volatile Action<SipCallEvent>? _sink;

        /// <summary>Where the leg's SIP events go once another call took the leg over; null: this call.</summary>
        public Action<SipCallEvent>? Sink
        {
            get => _sink;
            set => _sink = value;
        }

        public void StopRinging()
        {
            RingTimer?.Dispose();
            RingTimer = null;
        }

        public CallLegRecord ToRecord() => new()
        {
            Role = Role,
            SipCallId = Call.CallId,
            Party = Party,
            Peer = Call.Peer.ToString(),
            Started = Started,
            Answered = AnsweredAt,
            Ended = EndedAt,
            Status = Status,
            EndReason = EndReason,
            Quality = CallLegQuality.Of(Media.Leg),
        };
    }
}
