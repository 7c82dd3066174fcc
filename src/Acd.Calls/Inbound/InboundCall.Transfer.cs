using System.Globalization;
using System.Text;
using Acd.Calls.Records;
using Acd.Media.Mixing;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Headers;
using Acd.Sip.Ua;

namespace Acd.Calls.Inbound;

// Blind transfers: REFER from the agent's phone in the call's dialog (RFC 3515: 202 by the UA, then NOTIFYs with
// message/sipfrag progress), ICallControl.TransferAsync, and the IVR's transfer node. The caller waits on music while
// the transfer places it; the releasing agent gets BYE and goes to wrap-up.
internal sealed partial class InboundCall : Direct.IReplaceableCall
{
    private const string SipFrag = "message/sipfrag;version=2.0";

    /// <summary>The routing call id the answered agent is OnCall for, when it is not this call's (an agent taken over from a consult call).</summary>
    private string? _agentRoutedCallId;

    /// <summary>What a transfer target string names: a queue, a number of the plan routing to a queue, an agent's extension, else an external number.</summary>
    private TransferTarget ResolveTarget(string user)
    {
        if (_service.Queues.Exists(user))
        {
            return new TransferTarget(TransferTargetKind.Queue, user);
        }

        if (_service.QueueOfNumber?.Invoke(user) is { } queue)
        {
            return new TransferTarget(TransferTargetKind.Queue, queue);
        }

        return _service.Extensions?.FindByExtension(user) is { } agent
            ? new TransferTarget(TransferTargetKind.Agent, agent.AgentId)
            : new TransferTarget(TransferTargetKind.External, user);
    }

    private async Task OnReferAsync(Leg leg, SipMessage refer)
    {
        if (!refer.TryGetNameAddr(SipHeaderId.ReferTo, out var referTo) || !refer.TryGetUri(referTo.Uri, out var uri))
        {
            _ = NotifyAsync(leg, 400, "Bad Request", final: true);
            return;
        }

        if (leg != _agent || _phase != Phase.Talking)
        {
            _ = NotifyAsync(leg, 481, "Call/Transaction Does Not Exist", final: true);
            return;
        }

        var raw = Encoding.UTF8.GetString(referTo.Uri);
        if (raw.Contains("Replaces=", StringComparison.OrdinalIgnoreCase))
        {
            await AttendedTransferAsync(leg, raw).ConfigureAwait(false);
            return;
        }

        _ = NotifyAsync(leg, 100, "Trying", final: false);
        var started = _transfers.Count;
        var result = await TransferAsync(ResolveTarget(uri.GetUserString()), leg).ConfigureAwait(false);
        if (!result.Succeeded && _transfers.Count == started)
        {
            var (status, phrase) = result.Error switch
            {
                CallControlError.NotAllowed => (403, "Forbidden"),
                CallControlError.InvalidState => (481, "Call/Transaction Does Not Exist"),
                _ => (503, "Service Unavailable"),
            };
            _ = NotifyAsync(leg, status, phrase, final: true);
        }
    }

    /// <summary>
    /// Starts a blind transfer of the talking (or held) call, or of a call in the IVR (no agent to release). Refusals
    /// (unknown queue, external number not allowed) leave the call as it was; once started, the agent is released.
    /// </summary>
    private async Task<CallControlResult> TransferAsync(TransferTarget target, Leg? referredBy)
    {
        var fromIvr = _phase == Phase.Ivr && referredBy is null;
        if (!fromIvr && (_phase != Phase.Talking || _agent is not { Answered: true } || _customer is not null))
        {
            return CallControlResult.Fail(CallControlError.InvalidState, "only a call talking to an agent can be transferred");
        }

        switch (target.Kind)
        {
            case TransferTargetKind.Queue when !_service.Queues.Exists(target.Value):
                return CallControlResult.Fail(CallControlError.NotAllowed, "unknown queue " + target.Value);
            case TransferTargetKind.Agent when _service.AgentBusy is null:
                return CallControlResult.Fail(CallControlError.Failed, "agent transfers need the agents' busy state");
            case TransferTargetKind.Agent when _agent?.Party == target.Value:
                return CallControlResult.Fail(CallControlError.NotAllowed, "the agent is already on the call");
            case TransferTargetKind.External when _service.ExternalDialer is null || _service.TransferPolicy?.AllowsExternal(target.Value) != true:
                Event("transfer-refused", "external:" + target.Value);
                return CallControlResult.Fail(CallControlError.NotAllowed, "external transfers to " + target.Value + " are not allowed by the transfer policy");
            case TransferTargetKind.External when fromIvr:
                return CallControlResult.Fail(CallControlError.NotAllowed, "external transfers need an agent to authorise them");
        }

        var label = target.Kind.ToString().ToLowerInvariant() + ":" + target.Value;
        _transfers.Add(label);
        Event("transfer", label);
        var transferringAgent = _agent?.Party;
        if (fromIvr)
        {
            StopIvr();
            _ivrEnded ??= _service.Time.GetUtcNow();
        }
        else
        {
            await ReleaseAgentAsync(referredBy).ConfigureAwait(false);
        }

        if (target.Kind == TransferTargetKind.Queue)
        {
            return await RequeueAsync(target.Value).ConfigureAwait(false);
        }

        if (target.Kind == TransferTargetKind.External)
        {
            return await DialExternalAsync(target.Value, transferringAgent!).ConfigureAwait(false);
        }

        return await RingTransferTargetAsync(target.Value).ConfigureAwait(false);
    }

    /// <summary>Takes the answered agent off the call: caller on music, the agent to wrap-up (its phone gets BYE once the transfer's outcome is told).</summary>
    private async Task ReleaseAgentAsync(Leg? referredBy)
    {
        var agent = _agent!;
        EndHold();
        DetachParties();
        _phase = Phase.Transferring;
        PlayMusic();
        _agent = null;
        _lastAgent = agent.Party;
        agent.EndReason = "transferred";
        _referrer = referredBy;
        if (referredBy is null)
        {
            agent.Call.Hangup();
        }

        if (_directAgent)
        {
            // An agent that got the call by a transfer was kept out of routing (busy as on a direct call), not OnCall.
            _directAgent = false;
            if (_service.AgentBusy is { } busy)
            {
                await busy.RestoreAsync(agent.Party, Interlocked.Exchange(ref _busyToken, null), CancellationToken.None).ConfigureAwait(false);
            }

            return;
        }

        await EndAgentAsync(agent.Party).ConfigureAwait(false);
        _agentRoutedCallId = null;
    }

    private sealed record HandOverRequested(string ToTag, string FromTag, TaskCompletionSource<Direct.ConsultTakeover> Done);

    public Task<Direct.ConsultTakeover> HandOverAsync(string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<Direct.ConsultTakeover>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_events.Writer.TryWrite(new HandOverRequested(toTag, fromTag, done)))
        {
            done.TrySetResult(new Direct.ConsultTakeover(null, Direct.ConsultRefusal.UnknownDialog));
        }

        // A call that ends without reading the request leaves it unanswered: bounded by the caller's token and a timeout.
        return done.Task.WaitAsync(TimeSpan.FromSeconds(5), _service.Time, cancellationToken);
    }

    /// <summary>
    /// This call is the consult call of an attended transfer (the consulting agent dialled a queue and is our caller):
    /// the answered agent's leg, its media and its routing state (OnCall for this call) go to the call that replaces
    /// our caller's dialog; we end (BYE to the consulting agent) without ending the agent's routing state.
    /// </summary>
    private Direct.ConsultTakeover HandOver(HandOverRequested request)
    {
        if (_caller.Dialog is not { } dialog || !Direct.ConsultCallRegistry.TagsMatch(request.ToTag, request.FromTag, dialog.Id.LocalTag, dialog.Id.RemoteTag))
        {
            return new Direct.ConsultTakeover(null, Direct.ConsultRefusal.UnknownDialog);
        }

        if (_phase != Phase.Talking || _agent is not { Answered: true } agent || _directAgent || _holdStarted is not null
            || agent.Call.State != SipCallState.Answered || agent.Negotiator.Options.Codecs is not [var codec])
        {
            return new Direct.ConsultTakeover(null, Direct.ConsultRefusal.NotTransferable);
        }

        DetachParties();
        _outgoing.Remove(agent);
        agent.EndedAt = _service.Time.GetUtcNow();
        agent.EndReason = "transferred";
        _legs.Add(agent.ToRecord());
        _agent = null;
        _lastAgent = agent.Party;
        _talkEnded = agent.EndedAt;
        _transfers.Add("attended-consult:" + agent.Party);
        Event("attended-transfer", agent.Party + " taken over");
        End(CallOutcome.Answered, "attended-transfer");
        return new Direct.ConsultTakeover(new Direct.ConsultHandover
        {
            AgentId = agent.Party,
            Call = agent.Call,
            Media = agent.Media,
            Negotiator = agent.Negotiator,
            Codec = codec, // the answer's codec only since the answer (see Reoffers)
            Started = agent.Started,
            Answered = agent.AnsweredAt ?? _service.Time.GetUtcNow(),
            RoutedCallId = CallId,
            Redirect = sink => agent.Sink = sink,
        }, Direct.ConsultRefusal.None);
    }

    /// <summary>
    /// Attended transfer (REFER with Replaces on the caller's dialog with the agent): the Replaces names the agent's
    /// consult dialog with this node; the other side of that consult call (agent B) takes the caller's call, the
    /// transferring agent is released (NOTIFY 200 then BYE here, BYE on the consult dialog) and goes to wrap-up. B stays
    /// busy as on a direct call (out of routing, no wrap-up afterwards): the call reached B outside routing, like a
    /// transfer to its extension. An unknown dialog gets NOTIFY 481 and the call stays as it was (held).
    /// </summary>
    private async Task AttendedTransferAsync(Leg leg, string referTo)
    {
        _ = NotifyAsync(leg, 100, "Trying", final: false);
        if (!TryParseReplaces(referTo, out var callId, out var toTag, out var fromTag))
        {
            Event("transfer-refused", "attended: bad Replaces");
            _ = NotifyAsync(leg, 400, "Bad Request", final: true);
            return;
        }

        Direct.ConsultTakeover takeover;
        try
        {
            takeover = _service.CallOf(callId) is { } consultCall && consultCall != this
                ? await consultCall.HandOverAsync(toTag, fromTag, leg.Party, _cts.Token).ConfigureAwait(false)
                : _service.ConsultCalls is { } consults
                    ? await consults.TakeOverAsync(callId, toTag, fromTag, leg.Party, _cts.Token).ConfigureAwait(false)
                    : new Direct.ConsultTakeover(null, Direct.ConsultRefusal.UnknownDialog);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The consult call ended without answering (or we are ending): as good as unknown.
            takeover = new Direct.ConsultTakeover(null, Direct.ConsultRefusal.UnknownDialog);
        }

        if (takeover.Handover is not { } handover || _phase != Phase.Talking || _agent != leg)
        {
            // (A hand-over that raced the caller's hangup is given back by hanging B up: B's leg was ours to end.)
            handover = takeover.Handover;
            handover?.Call.Hangup();
            Event("transfer-failed", "attended " + callId + (takeover.Refusal == Direct.ConsultRefusal.NotTransferable ? " not transferable" : " unknown dialog"));
            var (status, phrase) = takeover.Refusal == Direct.ConsultRefusal.NotTransferable ? (603, "Declined") : (481, "Call/Transaction Does Not Exist");
            _ = NotifyAsync(leg, status, phrase, final: true);
            return;
        }

        var label = "attended:" + handover.AgentId;
        _transfers.Add(label);
        Event("attended-transfer", leg.Party + " -> " + handover.AgentId + " (consult " + callId + ")");
        await ReleaseAgentAsync(leg).ConfigureAwait(false);

        var target = new Leg("agent", handover.AgentId, handover.Call, handover.Media, handover.Negotiator, handover.Started)
        {
            Answered = true,
            AnsweredAt = handover.Answered,
            Status = 200,
        };
        _outgoing.Add(target);
        handover.Redirect(e => Post(new LegSignal(target, e)));
        target.Call.OfferAnswerer = Reoffers(target.Negotiator, target.Media, handover.Codec);
        _agent = target;
        _directAgent = handover.RoutedCallId is null;
        _busyToken = handover.BusyToken;
        _agentRoutedCallId = handover.RoutedCallId;
        _callerMedia!.Leg.Stop();
        Bridge(target);
        _phase = Phase.Talking;
        Event("agent-answered", target.Party);
        Log.Bridged(_logger, CallId, target.Party);
        FinishReferral(200, "OK");
        if (target.Call.State == SipCallState.Ended)
        {
            // B hung up while it was handed over (its end went to the consult call).
            await OnLegEndedAsync(target, "bye").ConfigureAwait(false);
        }
    }

    /// <summary>Parses <c>sip:b@host?Replaces=callid%3Bto-tag%3Dx%3Bfrom-tag%3Dy</c> (RFC 3891 in a Refer-To URI's headers).</summary>
    internal static bool TryParseReplaces(string referTo, out string callId, out string toTag, out string fromTag)
    {
        callId = toTag = fromTag = string.Empty;
        var at = referTo.IndexOf("Replaces=", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return false;
        }

        var value = referTo[(at + "Replaces=".Length)..];
        var end = value.IndexOfAny(['&', '>']);
        var parts = Uri.UnescapeDataString(end >= 0 ? value[..end] : value).Split(';', StringSplitOptions.TrimEntries);
        callId = parts[0];
        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var name = part[..eq];
            if (name.Equals("to-tag", StringComparison.OrdinalIgnoreCase))
            {
                toTag = part[(eq + 1)..];
            }
            else if (name.Equals("from-tag", StringComparison.OrdinalIgnoreCase))
            {
                fromTag = part[(eq + 1)..];
            }
        }

        return callId.Length > 0 && toTag.Length > 0 && fromTag.Length > 0;
    }

    /// <summary>
    /// External transfer allowed by the policy: a trunk call through <see cref="IExternalDialer"/> on behalf of the
    /// transferring agent; the caller hears music until it answers (bridged, the referrer hears 200) or fails (the
    /// failure status, the caller back in its queue).
    /// </summary>
    private async Task<CallControlResult> DialExternalAsync(string number, string authorizedBy)
    {
        var media = _service.Media.Create("external-" + CallId);
        if (media is null)
        {
            await TransferFailedAsync(503, "Service Unavailable").ConfigureAwait(false);
            return CallControlResult.Fail(CallControlError.Failed, "no RTP port free");
        }

        var negotiator = _service.NewNegotiator(media.LocalPort);
        var dialed = await _service.ExternalDialer!.DialAsync(new ExternalDialRequest
        {
            Number = number,
            CallerId = CallerId,
            CallerName = CallerName,
            Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()),
            Purpose = "transfer",
            AuthorizedBy = authorizedBy,
            Headers = [new SipHeader("X-Acd-Call-Id", CallId)],
        }, _cts.Token).ConfigureAwait(false);
        if (dialed.Call is not { } call)
        {
            await media.DisposeAsync().ConfigureAwait(false);
            Event("transfer-failed", "external:" + number + " " + dialed.Refusal);
            await TransferFailedAsync(503, "Service Unavailable").ConfigureAwait(false);
            return CallControlResult.Fail(CallControlError.Failed, dialed.Refusal ?? "the trunk call was refused");
        }

        var leg = new Leg("external", number, call, media, negotiator, _service.Time.GetUtcNow());
        _outgoing.Add(leg);
        _transferLeg = leg;
        _phase = Phase.Transferring;
        _ = PumpAsync(call.Events, e => new LegSignal(leg, e));
        leg.RingTimer = _service.Time.CreateTimer(static s => { var (c, l) = ((InboundCall, Leg))s!; c.Post(new RingTimedOut(l)); }, (this, leg), _service.Queues.RingTimeout(_queue ?? string.Empty) * 2, Timeout.InfiniteTimeSpan);
        Event("external-dialing", number);
        return CallControlResult.Ok;
    }

    /// <summary>The caller into <paramref name="queue"/> with its priority and original arrival; the referrer hears 200 and gets BYE.</summary>
    private async Task<CallControlResult> RequeueAsync(string queue)
    {
        var arrived = _enqueued ?? _arrived;
        var result = await _service.Queues.EnqueueAsync(CallId, queue, _priority, _skills, arrived, _cts.Token).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Log.EnqueueRefused(_logger, CallId, queue, result.Reason);
            FinishReferral(503, "Service Unavailable");
            End(_lastAgent is null ? CallOutcome.Failed : CallOutcome.Answered, "transfer-failed");
            return CallControlResult.Fail(CallControlError.Failed, result.Reason ?? "enqueue refused");
        }

        _queue = queue;
        _inQueue = true;
        _enqueued ??= arrived;
        _phase = Phase.Queued;
        PlayMusic();
        Event("enqueued", queue);
        FinishReferral(200, "OK");
        return CallControlResult.Ok;
    }

    /// <summary>Rings the target agent's phone (kept out of routing meanwhile); the caller hears music.</summary>
    private async Task<CallControlResult> RingTransferTargetAsync(string agentId)
    {
        var busy = _service.AgentBusy!;
        var contacts = await _service.Agents.FindAsync(agentId, _cts.Token).ConfigureAwait(false);
        if (contacts.Count == 0 || await busy.IsBusyAsync(agentId, _cts.Token).ConfigureAwait(false))
        {
            Event("transfer-failed", agentId + (contacts.Count == 0 ? " unregistered" : " busy"));
            await TransferFailedAsync(contacts.Count == 0 ? 480 : 486, contacts.Count == 0 ? "Temporarily Unavailable" : "Busy Here").ConfigureAwait(false);
            return CallControlResult.Fail(CallControlError.Failed, contacts.Count == 0 ? "the agent's phone is not registered" : "the agent is busy");
        }

        var media = _service.Media.Create("agent-" + agentId + "-" + CallId);
        if (media is null)
        {
            await TransferFailedAsync(503, "Service Unavailable").ConfigureAwait(false);
            return CallControlResult.Fail(CallControlError.Failed, "no RTP port free");
        }

        _busyToken = await busy.MarkBusyAsync(agentId, _cts.Token).ConfigureAwait(false);
        _phase = Phase.Transferring;
        var leg = DialAgent(agentId, _queue ?? "transfer", contacts[0], media, callback: false);
        _transferLeg = leg;
        leg.RingTimer = _service.Time.CreateTimer(static s => { var (c, l) = ((InboundCall, Leg))s!; c.Post(new RingTimedOut(l)); }, (this, leg), _service.Queues.RingTimeout(_queue ?? string.Empty), Timeout.InfiniteTimeSpan);
        Log.Ringing(_logger, CallId, agentId, contacts[0].Uri);
        return CallControlResult.Ok;
    }

    private async Task OnTransferLegAsync(Leg leg, SipCallEvent e)
    {
        leg.StopRinging();
        _transferLeg = null;
        if (e is SipCallAnswered answered && !_callerGone
            && SdpParser.Parse(answered.Sdp.Span) is { Success: true } parsed && leg.Negotiator.AcceptAnswer(parsed.Session!) is { Success: true } media)
        {
            leg.Media.Apply(media.Media!);
            leg.Call.OfferAnswerer = Reoffers(leg.Negotiator, leg.Media, media.Media!.Codec);
            leg.Answered = true;
            leg.AnsweredAt = _service.Time.GetUtcNow();
            leg.Status = 200;
            _agent = leg;
            _directAgent = true;
            _answered ??= leg.AnsweredAt;
            _callerMedia!.Leg.Stop();
            Bridge(leg);
            _phase = Phase.Talking;
            Event("agent-answered", leg.Party);
            Log.Bridged(_logger, CallId, leg.Party);
            FinishReferral(200, "OK");
            return;
        }

        if (e is SipCallAnswered)
        {
            leg.EndReason = "bad-sdp";
            leg.Call.Hangup();
        }

        if (e is SipCallFailed failed)
        {
            leg.Status ??= failed.StatusCode;
            leg.EndReason ??= "transfer-failed";
        }

        var status = (e as SipCallFailed)?.StatusCode ?? 488;
        if (_service.AgentBusy is { } agentBusy)
        {
            await agentBusy.RestoreAsync(leg.Party, _busyToken, CancellationToken.None).ConfigureAwait(false);
        }

        _busyToken = null;
        Event("transfer-failed", leg.Party + " " + status.ToString(CultureInfo.InvariantCulture));
        if (!_callerGone)
        {
            await TransferFailedAsync(status, (e as SipCallFailed)?.ReasonPhrase ?? "Not Acceptable Here").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An agent transfer failed (busy, unregistered, no answer): the referrer hears the failure and the caller goes back
    /// to its queue, at the front (its original arrival), rather than being dropped (the agent has already released).
    /// </summary>
    private async Task TransferFailedAsync(int status, string phrase)
    {
        FinishReferral(status, phrase);
        var queue = _queue ?? _service.Options.FallbackQueue;
        if (queue is null || !_service.Queues.Exists(queue))
        {
            End(_lastAgent is null ? CallOutcome.Failed : CallOutcome.Answered, "transfer-failed");
            return;
        }

        Event("transfer-requeued", queue);
        await RequeueAsync(queue).ConfigureAwait(false);
    }

    /// <summary>Tells the referrer the transfer's outcome (final NOTIFY) and hangs its leg up.</summary>
    private void FinishReferral(int status, string phrase)
    {
        if (Interlocked.Exchange(ref _referrer, null) is not { } referrer)
        {
            return;
        }

        _ = NotifyThenByeAsync(referrer, status, phrase);
    }

    private async Task NotifyThenByeAsync(Leg referrer, int status, string phrase)
    {
        await NotifyAsync(referrer, status, phrase, final: true).ConfigureAwait(false);
        referrer.Call.Hangup();
    }

    /// <summary>RFC 3515 progress: NOTIFY (Event: refer) with the sipfrag status line; the last one terminates the subscription.</summary>
    private static async Task NotifyAsync(Leg leg, int status, string phrase, bool final)
    {
        if (leg.Call.State != SipCallState.Answered)
        {
            return;
        }

        var body = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"SIP/2.0 {status} {phrase}\r\n"));
        await leg.Call.SendRequestAsync("NOTIFY", SipFrag, body,
        [
            new SipHeader("Event", "refer"),
            new SipHeader("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60"),
        ]).ConfigureAwait(false);
    }

    /// <summary>Bridges the caller with <paramref name="leg"/>, keeping the call's recording going across agents.</summary>
    private void Bridge(Leg leg)
    {
        if (_bridge is { } previous && previous != _recordingBridge)
        {
            previous.Dispose();
        }

        _bridge = new MediaBridge(_callerMedia!.Leg, leg.Media.Leg) { Recorder = _recordingBridge?.Recorder };
        if (_recordingBridge is null && _service.StartRecording(_bridge, CallId, _queue ?? string.Empty))
        {
            _recordingBridge = _bridge;
            Event("recording");
        }
    }

    private async Task EndAgentAsync(string agentId)
    {
        try
        {
            await _service.Queues.EndAsync(_agentRoutedCallId ?? CallId, agentId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.ReleaseFailed(_logger, CallId, e);
        }
    }
}
