using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Media;
using Acd.Media.Codecs;
using Acd.Media.Mixing;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;

namespace Acd.Calls.Direct;

/// <summary>
/// One call between two agents, as a B2BUA: the caller's INVITE (authenticated as an agent) and our INVITE to the
/// called agent's registered phone, each leg with its own media session, bridged on answer. An actor with one event
/// channel and one reader: the legs' SIP events and the timers are handled in order, and every path ends in
/// <see cref="FinishAsync"/>, which hangs up what is left, gives both agents back to routing and writes the record.
/// </summary>
/// <remarks>
/// Busy state: the caller is taken out of queue routing when we dial for it, the called agent when it answers (while
/// its phone rings for us, a queue call offered to it gets a busy answer from the phone anyway). Both are given back
/// as they were when the call ends. The caller may be on a queue call already (its caller held): that is a consultation,
/// which an attended transfer (REFER with Replaces on the queue call) ends by handing the callee's leg, and its busy
/// mark, over to the queue call (<see cref="IReplaceableCall"/>).
/// </remarks>
internal sealed class DirectCall : IReplaceableCall, IRunningCall
{
    private enum Phase
    {
        Setup,
        Ringing,
        Talking,
        Ended,
    }

    private readonly DirectCallService _service;
    private readonly SipCall _caller;
    private readonly DirectCallAgent _callee;
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<CallRecordEvent> _log = [];
    private readonly List<string> _claimed = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly ILogger _logger;
    private readonly DateTimeOffset _arrived;

    private Phase _phase = Phase.Setup;
    private DirectCallAgent? _from;
    private IMediaSession? _callerMedia;
    private byte[]? _callerAnswer;
    private Leg? _leg;
    private MediaBridge? _bridge;
    private ITimer? _ringTimer;
    private ITimer? _maxDurationTimer;
    private (bool Marked, object? Token) _callerBusy;
    private (bool Marked, object? Token) _calleeBusy;
    private DateTimeOffset? _answered;
    private DateTimeOffset? _talkEnded;
    private CallOutcome? _outcome;
    private string? _reason;
    private bool _alerting;
    private volatile bool _finished;
    private bool _handedOver;

    public DirectCall(DirectCallService service, SipCall caller, DirectCallAgent callee)
    {
        _service = service;
        _caller = caller;
        _callee = callee;
        _logger = service.Logger;
        _arrived = service.Time.GetUtcNow();
    }

    public string CallId => _caller.CallId;

    /// <summary>Set once the call has finished (the service lists calls until then).</summary>
    public bool IsFinished
    {
        get => _finished;
        set => _finished = value;
    }

    /// <summary>Posts an event to the call's loop (any thread).</summary>
    public void Post(object callEvent) => _events.Writer.TryWrite(callEvent);

    public async Task RunAsync()
    {
        try
        {
            if (!await SetUpAsync().ConfigureAwait(false))
            {
                return;
            }

            while (_phase != Phase.Ended && await _events.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_phase != Phase.Ended && _events.Reader.TryRead(out var e))
                {
                    await HandleAsync(e).ConfigureAwait(false);
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

    // ---------------------------------------------------------------- set-up

    private async Task<bool> SetUpAsync()
    {
        // Nothing is dialled for a party that has not proved it is an agent: 407 (answered by a new INVITE) or 403.
        var user = await _caller.AuthenticateAsync(_cts.Token).ConfigureAwait(false);
        if (user is null)
        {
            return false;
        }

        _from = _service.Extensions.FindByExtension(user);
        if (_from is null)
        {
            return Refuse(403, "Forbidden", "caller-not-an-agent");
        }

        Event("direct-call", _from.Extension + " -> " + _callee.Extension);
        _ = PumpAsync(_caller.Events, e => new CallerSignal(e));
        var parsed = SdpParser.Parse(_caller.RemoteSdp.Span);
        if (_caller.RemoteSdp.IsEmpty || !parsed.Success)
        {
            return Refuse(488, "Not Acceptable Here", _caller.RemoteSdp.IsEmpty ? "no-sdp" : "bad-sdp");
        }

        // A caller on a queue call (held) is consulting: allowed; a caller already on a direct call of this node is not.
        if (_from.AgentId == _callee.AgentId || !Claim(_from.AgentId))
        {
            return Refuse(486, "Busy Here", "caller-busy");
        }

        if (!Claim(_callee.AgentId) || await _service.Busy.IsBusyAsync(_callee.AgentId, _cts.Token).ConfigureAwait(false))
        {
            return Refuse(486, "Busy Here", "callee-busy");
        }

        var contacts = await _service.Agents.FindAsync(_callee.AgentId, _cts.Token).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            return Refuse(480, "Temporarily Unavailable", "callee-not-registered");
        }

        _callerMedia = _service.Media.Create("direct-caller-" + CallId);
        var calleeMedia = _callerMedia is null ? null : _service.Media.Create("direct-callee-" + CallId);
        if (calleeMedia is null)
        {
            return Refuse(503, "Service Unavailable", "no-media-port");
        }

        var answer = _service.NewNegotiator(_callerMedia!.LocalPort).AnswerOffer(parsed.Session!);
        if (!answer.Success)
        {
            await calleeMedia.DisposeAsync().ConfigureAwait(false);
            return Refuse(answer.StatusCode, answer.StatusCode == 488 ? "Not Acceptable Here" : "Bad Request", "bad-sdp");
        }

        _callerMedia.Apply(answer.Media!);
        _callerAnswer = Encoding.UTF8.GetBytes(answer.Local!.ToString());
        _callerBusy = (true, await _service.Busy.MarkBusyAsync(_from.AgentId, _cts.Token).ConfigureAwait(false));

        var contact = contacts[0];
        var negotiator = _service.NewNegotiator(calleeMedia.LocalPort);
        var callerUri = "sip:" + _from.Extension + "@" + _service.Options.Domain;
        var name = _from.Name is { Length: > 0 } n ? n : _from.Extension;
        var call = _service.UserAgent.Originate(new SipOriginateRequest
        {
            Target = contact.Uri,
            Destination = contact.Destination,
            From = callerUri,
            FromDisplayName = name,
            Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()),
            Headers =
            [
                new SipHeader("P-Asserted-Identity", SipUserAgent.QuoteDisplayName(name) + " <" + callerUri + ">"),
                new SipHeader("X-Acd-Call-Id", CallId),
            ],
        });
        var leg = _leg = new Leg(call, calleeMedia, negotiator, _service.Time.GetUtcNow());
        _ = CallPlumbing.PumpAsync(call.Events, e => e, e => leg.Deliver((SipCallEvent)e, this));
        _ringTimer = _service.Time.CreateTimer(static s => ((DirectCall)s!).Post(new RingTimedOut()), this, _service.Options.RingTimeout, Timeout.InfiniteTimeSpan);
        _phase = Phase.Ringing;
        Event("dialing", _callee.AgentId);
        Log.Ringing(_logger, CallId, _from.Extension, _callee.Extension, contact.Uri);
        return true;
    }

    private bool Claim(string agentId)
    {
        if (!_service.TryClaim(agentId, this))
        {
            return false;
        }

        _claimed.Add(agentId);
        return true;
    }

    /// <summary>Rejects the caller's INVITE (still in set-up) and ends the call.</summary>
    private bool Refuse(int status, string phrase, string reason)
    {
        _caller.Reject(status, phrase);
        Log.Refused(_logger, CallId, status, reason);
        Event("refused", status.ToString(CultureInfo.InvariantCulture) + " " + reason);
        End(CallOutcome.Failed, reason);
        return false;
    }

    // ---------------------------------------------------------------- events

    private sealed record CallerSignal(SipCallEvent Event);

    private sealed record LegSignal(SipCallEvent Event);

    private sealed record RingTimedOut;

    private sealed record MaxDurationReached;

    internal sealed record Shutdown;

    private sealed record HandOverRequested(string ToTag, string FromTag, string Agent, TaskCompletionSource<ConsultTakeover> Done);

    public Task<ConsultTakeover> HandOverAsync(string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<ConsultTakeover>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_finished || !_events.Writer.TryWrite(new HandOverRequested(toTag, fromTag, transferringAgent, done)))
        {
            done.TrySetResult(new ConsultTakeover(null, ConsultRefusal.UnknownDialog));
        }

        // A call that ends before reading the request answers it in FinishAsync.
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task HandleAsync(object e)
    {
        switch (e)
        {
            case CallerSignal { Event: SipCallEnded ended }:
                OnCallerGone(ended.Reason);
                break;
            case LegSignal signal:
                await OnCalleeAsync(signal.Event).ConfigureAwait(false);
                break;
            case RingTimedOut when _phase == Phase.Ringing:
                _leg!.HangUp("ring-no-answer");
                Refuse(480, "Temporarily Unavailable", "callee-no-answer");
                break;
            case MaxDurationReached:
                _caller.Hangup();
                _leg?.HangUp("max-duration");
                End(CallOutcome.Answered, "max-duration");
                break;
            case Shutdown:
                End(_answered is null ? CallOutcome.Failed : CallOutcome.Answered, "shutdown");
                break;
            case HandOverRequested request:
                request.Done.TrySetResult(HandOver(request));
                break;
        }
    }

    /// <summary>
    /// Attended transfer: the consult dialog (the caller's, by our tag and its tag) is replaced by the transferring
    /// agent's queue call. The callee's leg, its media and busy mark leave this call; the caller gets BYE at the end.
    /// </summary>
    private ConsultTakeover HandOver(HandOverRequested request)
    {
        if (_caller.Dialog is not { } dialog || !ConsultCallRegistry.TagsMatch(request.ToTag, request.FromTag, dialog.Id.LocalTag, dialog.Id.RemoteTag))
        {
            return new ConsultTakeover(null, ConsultRefusal.UnknownDialog);
        }

        if (_phase != Phase.Talking || _from?.AgentId != request.Agent || _leg is not { Codec: { } codec } leg || leg.Call.State != SipCallState.Answered)
        {
            return new ConsultTakeover(null, ConsultRefusal.NotTransferable);
        }

        _bridge?.Dispose();
        _bridge = null;
        _handedOver = true;
        leg.Ended(_service.Time.GetUtcNow(), "transferred");
        Event("attended-transfer", _from.AgentId + " -> " + _callee.AgentId);
        End(CallOutcome.Answered, "attended-transfer");
        var busy = _calleeBusy.Token;
        _calleeBusy = default;
        return new ConsultTakeover(new ConsultHandover
        {
            AgentId = _callee.AgentId,
            Call = leg.Call,
            Media = leg.Media,
            Negotiator = leg.Negotiator,
            Codec = codec,
            Started = leg.Started,
            Answered = leg.AnsweredAt ?? _service.Time.GetUtcNow(),
            BusyToken = busy,
            Redirect = leg.Redirect,
        }, ConsultRefusal.None);
    }

    private Task PumpAsync(ChannelReader<SipCallEvent> reader, Func<SipCallEvent, object> wrap) => CallPlumbing.PumpAsync(reader, wrap, Post);

    private void OnCallerGone(string reason)
    {
        switch (_phase)
        {
            case Phase.Ringing:
                // CANCEL from the caller: cancel the callee's leg too.
                Event("caller-cancelled", reason);
                _leg!.HangUp("caller-cancelled");
                End(CallOutcome.Abandoned, "caller-cancelled");
                break;
            case Phase.Talking:
                Event("caller-hangup", reason);
                _leg!.HangUp("caller-hangup");
                End(CallOutcome.Answered, "caller-hangup");
                break;
        }
    }

    private async Task OnCalleeAsync(SipCallEvent e)
    {
        var leg = _leg!;
        switch (e)
        {
            case SipCallProvisional { StatusCode: 180 or 183 } when _phase == Phase.Ringing && !_alerting:
                // Early media is not relayed: the caller's phone plays its own ringback on 180.
                _alerting = true;
                _caller.Ring();
                Event("ringing", _callee.AgentId);
                break;
            case SipCallAnswered answered when _phase == Phase.Ringing:
                await OnCalleeAnsweredAsync(leg, answered).ConfigureAwait(false);
                break;
            case SipCallAnswered:
                leg.HangUp("unwanted-answer");
                break;
            case SipCallFailed failed when _phase == Phase.Ringing:
                leg.Status = failed.StatusCode;
                leg.EndReason ??= "failed";
                var (status, phrase, reason) = MapFailure(failed.StatusCode);
                Event("callee-failed", failed.StatusCode.ToString(CultureInfo.InvariantCulture));
                Refuse(status, phrase, reason);
                break;
            case SipCallFailed failed:
                leg.Status ??= failed.StatusCode;
                break;
            case SipCallEnded ended:
                leg.Ended(_service.Time.GetUtcNow(), ended.Reason);
                if (_phase == Phase.Talking)
                {
                    Event("callee-hangup", _callee.AgentId);
                    _caller.Hangup();
                    End(CallOutcome.Answered, "callee-hangup");
                }

                break;
        }
    }

    /// <summary>The callee's final failure as the caller hears it: busy, declined, or not available.</summary>
    internal static (int Status, string Phrase, string Reason) MapFailure(int status) => status switch
    {
        486 or 600 => (486, "Busy Here", "callee-busy"),
        603 => (603, "Decline", "callee-declined"),
        488 or 606 => (488, "Not Acceptable Here", "callee-bad-sdp"),
        408 or 480 or 487 => (480, "Temporarily Unavailable", "callee-no-answer"),
        _ => (480, "Temporarily Unavailable", "callee-unreachable"),
    };

    private async Task OnCalleeAnsweredAsync(Leg leg, SipCallAnswered answered)
    {
        _ringTimer?.Dispose();
        var parsed = SdpParser.Parse(answered.Sdp.Span);
        var media = parsed.Success ? leg.Negotiator.AcceptAnswer(parsed.Session!) : null;
        if (media is not { Success: true })
        {
            leg.HangUp("bad-sdp");
            Refuse(488, "Not Acceptable Here", "callee-bad-sdp");
            return;
        }

        leg.Media.Apply(media.Media!);
        leg.Codec = media.Media!.Codec;
        leg.Status = 200;
        leg.AnsweredAt = _service.Time.GetUtcNow();
        if (!_caller.Answer(_callerAnswer))
        {
            // The caller cancelled between the callee's answer and ours.
            leg.HangUp("caller-cancelled");
            End(CallOutcome.Abandoned, "caller-cancelled");
            return;
        }

        _answered = leg.AnsweredAt;
        _bridge = new MediaBridge(_callerMedia!.Leg, leg.Media.Leg);
        _phase = Phase.Talking;
        _maxDurationTimer = _service.Time.CreateTimer(static s => ((DirectCall)s!).Post(new MaxDurationReached()), this, _service.Options.MaxCallDuration, Timeout.InfiniteTimeSpan);
        Event("answered", _callee.AgentId);
        Log.Bridged(_logger, CallId, _callee.Extension);
        _calleeBusy = (true, await _service.Busy.MarkBusyAsync(_callee.AgentId, CancellationToken.None).ConfigureAwait(false));
    }

    // ---------------------------------------------------------------- endings

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
        _ringTimer?.Dispose();
        _maxDurationTimer?.Dispose();
        _bridge?.Dispose();
        var now = _service.Time.GetUtcNow();
        if (_answered is not null)
        {
            _talkEnded = now;
        }

        if (_caller.State == SipCallState.Setup)
        {
            // Shutdown or an internal error before the call was answered (refusals and challenges ended it already).
            _caller.Reject(503, "Service Unavailable");
        }
        else if (_caller.State == SipCallState.Answered)
        {
            _caller.Hangup();
        }

        if (_leg is { } leg && !_handedOver && leg.Call.State != SipCallState.Ended)
        {
            leg.HangUp(_reason ?? "ended");
        }

        // Give both agents back to routing as soon as the call is over, then wait a moment for the callee's leg to
        // confirm its end (487 after CANCEL, 200 to BYE) so the record has its status.
        await RestoreAsync(_calleeBusy, _callee.AgentId).ConfigureAwait(false);
        if (_from is not null)
        {
            await RestoreAsync(_callerBusy, _from.AgentId).ConfigureAwait(false);
        }

        foreach (var agent in _claimed)
        {
            _service.Release(agent, this);
        }

        if (!_handedOver)
        {
            await DrainLegAsync().ConfigureAwait(false);
        }

        // Hand-over requests the loop never read: the call is gone (none can be posted from here on).
        _events.Writer.TryComplete();
        while (_events.Reader.TryRead(out var left))
        {
            (left as HandOverRequested)?.Done.TrySetResult(new ConsultTakeover(null, ConsultRefusal.UnknownDialog));
        }

        var record = _from is null ? null : BuildRecord(now);
        if (_callerMedia is not null)
        {
            await _callerMedia.DisposeAsync().ConfigureAwait(false);
        }

        if (_leg is not null && !_handedOver)
        {
            await _leg.Media.DisposeAsync().ConfigureAwait(false);
        }

        _service.Finished(this, record);
        _cts.Dispose();
    }

    private async Task RestoreAsync((bool Marked, object? Token) busy, string agentId)
    {
        if (!busy.Marked)
        {
            return;
        }

        try
        {
            await _service.Busy.RestoreAsync(agentId, busy.Token, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.RestoreFailed(_logger, CallId, agentId, e);
        }
    }

    private async Task DrainLegAsync()
    {
        if (_leg is not { } leg)
        {
            return;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2), _service.Time);
        try
        {
            while (leg.EndedAt is null && await _events.Reader.WaitToReadAsync(limit.Token).ConfigureAwait(false))
            {
                while (_events.Reader.TryRead(out var e))
                {
                    switch (e)
                    {
                        case LegSignal { Event: SipCallFailed failed }:
                            leg.Status ??= failed.StatusCode;
                            break;
                        case LegSignal { Event: SipCallEnded ended }:
                            leg.Ended(_service.Time.GetUtcNow(), ended.Reason);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private CallRecord BuildRecord(DateTimeOffset now)
    {
        var answered = _answered is not null;
        var caller = new CallLegRecord
        {
            Role = "caller",
            SipCallId = CallId,
            Party = _from!.Extension,
            Peer = _caller.Peer.ToString(),
            Started = _arrived,
            Answered = _answered,
            Ended = now,
            Status = answered ? 200 : null,
            EndReason = _reason,
            Quality = _callerMedia is null ? null : CallLegQuality.Of(_callerMedia.Leg),
        };
        List<CallLegRecord> legs = [caller];
        if (_leg is { } leg)
        {
            legs.Add(new CallLegRecord
            {
                Role = "agent",
                SipCallId = leg.Call.CallId,
                Party = _callee.AgentId,
                Peer = leg.Call.Peer.ToString(),
                Started = leg.Started,
                Answered = leg.AnsweredAt,
                Ended = leg.EndedAt ?? now,
                Status = leg.Status,
                EndReason = leg.EndReason,
                Quality = CallLegQuality.Of(leg.Media.Leg),
            });
        }

        return new CallRecord
        {
            CallId = CallId,
            Node = _service.Options.Node,
            DialedNumber = _callee.Extension,
            CallerId = _from.Extension,
            CallerName = _from.Name,
            Arrived = _arrived,
            Offered = _leg?.Started,
            Answered = _answered,
            Ended = _talkEnded ?? now,
            Agent = _callee.AgentId,
            TalkSeconds = _answered is { } a ? Math.Round(((_talkEnded ?? now) - a).TotalSeconds, 3) : null,
            Outcome = _outcome ?? CallOutcome.Failed,
            Reason = _reason,
            Legs = legs,
            Events = _log,
        };
    }

    private void Event(string kind, string? detail = null) => _log.Add(new CallRecordEvent(_service.Time.GetUtcNow(), kind, detail));

    /// <summary>The leg to the called agent's phone.</summary>
    private sealed class Leg(SipCall call, IMediaSession media, SdpNegotiator negotiator, DateTimeOffset started)
    {
        public SipCall Call { get; } = call;

        public IMediaSession Media { get; } = media;

        public SdpNegotiator Negotiator { get; } = negotiator;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset? AnsweredAt { get; set; }

        public G711Law? Codec { get; set; }

        private bool _hungUp;
        private volatile Action<SipCallEvent>? _sink;

        /// <summary>Routes the leg's SIP events: to the call, or to the call that took the leg over.</summary>
        public void Deliver(SipCallEvent e, DirectCall owner)
        {
            if (_sink is { } sink)
            {
                sink(e);
            }
            else
            {
                owner.Post(new LegSignal(e));
            }
        }

        /// <summary>Sends the leg's events to <paramref name="sink"/> from now on (attended transfer).</summary>
        public void Redirect(Action<SipCallEvent> sink) => _sink = sink;

        public DateTimeOffset? EndedAt { get; private set; }

        public int? Status { get; set; }

        public string? EndReason { get; set; }

        /// <summary>Hangs the leg up once (CANCEL while it rings, BYE once answered); later calls only keep the first reason.</summary>
        public void HangUp(string reason)
        {
            EndReason ??= reason;
            if (!_hungUp)
            {
                _hungUp = true;
                Call.Hangup();
            }
        }

        public void Ended(DateTimeOffset at, string reason)
        {
            EndedAt ??= at;
            EndReason ??= reason;
        }
    }
}
