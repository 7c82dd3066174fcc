using System.Globalization;
using System.Text;
using Acd.Media;
using Acd.Media.Clock;
using Acd.Media.Dtmf;
using Acd.Media.Mixing;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;

namespace Acd.Calls.Inbound;

// Supervisor listen / whisper / barge on a talking call. The supervisor's leg is either its own call (*90 + extension,
// handed over by the feature codes) answered here, or its registered phone rung by the API ("listen: <queue> <caller>").
// While joined, a ConferenceMixer (caller, agent, supervisor) replaces the call's MediaBridge as the legs' forwarder and
// feeds the call's recorder; DTMF 1/2/3 from the supervisor (RFC 4733 or SIP INFO) switch listen/whisper/barge.
// - The supervisor hangs up: the MediaBridge relays caller and agent again.
// - The call ends (either party, API, shutdown): the supervisor gets BYE with the other legs (FinishAsync).
// - The supervised agent leaves the call (transfer): the supervisor gets BYE (the supervision was of that agent).
// - Hold: the mixer is taken off (the caller hears music, the agent nothing, the supervisor silence; the supervisor
//   stays on the line) and comes back in the same mode on resume.
// One supervisor at a time: a second one is refused (InvalidState; its *90 call gets 486).
internal sealed partial class InboundCall
{
    private Leg? _supervisor;
    private Leg? _supervisedAgent;
    private SupervisionMode _supervisionMode;
    private TaskCompletionSource<CallControlResult>? _supervisePending;
    private ConferenceMixer? _mixer;
    private PacedStreamHandle? _mixing;

    /// <summary>Something of the supervisor's leg for the call's loop (digits, the ring timer).</summary>
    private abstract record SupervisionSignal(Leg Leg);

    private sealed record SupervisorDigit(Leg Leg, char Digit) : SupervisionSignal(Leg);

    private sealed record SupervisorRingTimedOut(Leg Leg) : SupervisionSignal(Leg);

    /// <summary>The supervisors joined to the call now (for <see cref="ActiveCallInfo.Supervisors"/>).</summary>
    private IReadOnlyList<string> LiveSupervisors() => _supervisor is { Answered: true } s ? [s.Party] : [];

    private async Task OnSuperviseAsync(SuperviseRequested request)
    {
        var refusal = SupervisionRefusal(request.SupervisorId);
        if (refusal is { } refused)
        {
            Event("supervise-refused", request.SupervisorId + " " + refused.Reason);
            request.Call?.Reject(refused.Error == CallControlError.InvalidState ? 486 : refused.Error == CallControlError.NotAllowed ? 403 : 503,
                refused.Error == CallControlError.InvalidState ? "Busy Here" : refused.Error == CallControlError.NotAllowed ? "Forbidden" : "Service Unavailable");
            request.Done.TrySetResult(refused);
            return;
        }

        _supervisionMode = request.Mode;
        if (request.Call is { } call)
        {
            request.Done.TrySetResult(JoinIncoming(request.SupervisorId, call));
            return;
        }

        var result = await RingSupervisorAsync(request.SupervisorId).ConfigureAwait(false);
        if (result.Succeeded)
        {
            _supervisePending = request.Done; // completed when the phone answers, fails or rings out
        }
        else
        {
            request.Done.TrySetResult(result);
        }
    }

    private CallControlResult? SupervisionRefusal(string supervisorId)
    {
        if (_phase != Phase.Talking || _agent is not { Answered: true } || _customer is not null || _callerMedia is null)
        {
            return CallControlResult.Fail(CallControlError.InvalidState, "only a call talking to an agent can be supervised");
        }

        if (_supervisor is { } current)
        {
            return CallControlResult.Fail(CallControlError.InvalidState, "the call is already supervised by " + current.Party);
        }

        if (supervisorId == _agent.Party)
        {
            return CallControlResult.Fail(CallControlError.NotAllowed, "an agent cannot supervise its own call");
        }

        return _service.MediaClock is null ? CallControlResult.Fail(CallControlError.Failed, "no media clock to mix on") : null;
    }

    /// <summary>The supervisor's own call (<c>*90</c>): answered with our SDP, then joined at once.</summary>
    private CallControlResult JoinIncoming(string supervisorId, SipCall call)
    {
        var parsed = SdpParser.Parse(call.RemoteSdp.Span);
        if (call.RemoteSdp.IsEmpty || !parsed.Success)
        {
            call.Reject(488, "Not Acceptable Here");
            return CallControlResult.Fail(CallControlError.Failed, "the supervisor's call has no usable SDP offer");
        }

        var media = _service.Media.Create("supervisor-" + supervisorId + "-" + CallId);
        if (media is null)
        {
            call.Reject(503, "Service Unavailable");
            return CallControlResult.Fail(CallControlError.Failed, "no RTP port free");
        }

        var negotiator = _service.NewNegotiator(media.LocalPort);
        var answer = negotiator.AnswerOffer(parsed.Session!);
        if (!answer.Success)
        {
            _ = media.DisposeAsync().AsTask();
            call.Reject(answer.StatusCode, "Not Acceptable Here");
            return CallControlResult.Fail(CallControlError.Failed, answer.Error ?? "no common codec");
        }

        media.Apply(answer.Media!);
        var leg = NewSupervisorLeg(supervisorId, call, media, negotiator);
        call.OfferAnswerer = Reoffers(negotiator, media, answer.Media!.Codec);
        if (!call.Answer(Encoding.UTF8.GetBytes(answer.Local!.ToString())))
        {
            leg.EndReason = "supervisor-cancelled";
            EndSupervision("supervisor-cancelled", hangup: false);
            return CallControlResult.Fail(CallControlError.Failed, "the supervisor hung up");
        }

        Joined(leg);
        return CallControlResult.Ok;
    }

    /// <summary>The API's way: ring the supervisor's registered phone (like an agent leg); joined when it answers.</summary>
    private async Task<CallControlResult> RingSupervisorAsync(string supervisorId)
    {
        var contacts = await _service.Agents.FindAsync(supervisorId, _cts.Token).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            return CallControlResult.Fail(CallControlError.Failed, "the supervisor's phone is not registered");
        }

        var media = _service.Media.Create("supervisor-" + supervisorId + "-" + CallId);
        if (media is null)
        {
            return CallControlResult.Fail(CallControlError.Failed, "no RTP port free");
        }

        var negotiator = _service.NewNegotiator(media.LocalPort);
        var call = _service.UserAgent.Originate(new SipOriginateRequest
        {
            Target = contacts[0].Uri,
            Destination = contacts[0].Destination,
            From = CallerUri(),
            FromDisplayName = "listen: " + (_queue ?? "-") + " " + (CallerName is { Length: > 0 } n ? n + " " + CallerId : CallerId),
            Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()),
            Headers =
            [
                new SipHeader("X-Acd-Call-Id", CallId),
                new SipHeader("X-Acd-Caller", CallerId),
                new SipHeader("X-Acd-Supervise", _supervisionMode.ToString().ToLowerInvariant()),
            ],
        });
        var leg = NewSupervisorLeg(supervisorId, call, media, negotiator);
        leg.RingTimer = _service.Time.CreateTimer(static s => { var (c, l) = ((InboundCall, Leg))s!; c.Post(new SupervisorRingTimedOut(l)); }, (this, leg), _service.Queues.RingTimeout(_queue ?? string.Empty), Timeout.InfiniteTimeSpan);
        Event("supervisor-ringing", supervisorId);
        SupervisionLog.Ringing(_logger, CallId, supervisorId, contacts[0].Uri);
        return CallControlResult.Ok;
    }

    private Leg NewSupervisorLeg(string supervisorId, SipCall call, IMediaSession media, SdpNegotiator negotiator)
    {
        var leg = new Leg("supervisor", supervisorId, call, media, negotiator, _service.Time.GetUtcNow());
        _outgoing.Add(leg);
        _supervisor = leg;
        _supervisedAgent = _agent;
        media.Leg.DigitReceived += (_, digit) => Post(new SupervisorDigit(leg, digit.Digit));

        // Its SIP events (answer, INFO digits, BYE) come to the call's loop like an agent leg's.
        _ = PumpAsync(call.Events, e => new LegSignal(leg, e));
        return leg;
    }

    /// <summary>The supervisor's leg is answered: the mixer takes over from the bridge (unless the call is on hold).</summary>
    private void Joined(Leg leg)
    {
        leg.Answered = true;
        leg.AnsweredAt ??= _service.Time.GetUtcNow();
        leg.Status = 200;
        if (!_supervisorNames.Contains(leg.Party))
        {
            _supervisorNames.Add(leg.Party);
        }

        var mode = ModeName(_supervisionMode);
        Event("supervise", leg.Party + " " + mode);
        _service.Metrics.Supervision(mode);
        SupervisionLog.Joined(_logger, CallId, leg.Party, mode);
        if (_holdStarted is null)
        {
            AttachMixer();
        }

        _supervisePending?.TrySetResult(CallControlResult.Ok);
        _supervisePending = null;
    }

    private void OnSupervision(SupervisionSignal signal)
    {
        if (signal.Leg != _supervisor)
        {
            return;
        }

        switch (signal)
        {
            case SupervisorRingTimedOut when !signal.Leg.Answered:
                signal.Leg.Status ??= 408;
                EndSupervision("ring-no-answer", hangup: true);
                break;
            case SupervisorDigit { Digit: var digit } when signal.Leg.Answered && digit is '1' or '2' or '3':
                var mode = digit switch { '1' => SupervisionMode.Listen, '2' => SupervisionMode.Whisper, _ => SupervisionMode.Barge };
                if (mode != _supervisionMode)
                {
                    _supervisionMode = mode;
                    if (_mixer is { } mixer)
                    {
                        mixer.Mode = MixerMode(mode);
                    }

                    Event("supervise-mode", signal.Leg.Party + " " + ModeName(mode));
                    _service.Metrics.Supervision(ModeName(mode));
                }

                break;
        }
    }

    /// <summary>Events of a supervisor leg (ours or an earlier one): answer of a rung phone, failure, hangup, INFO digits.</summary>
    private async Task OnSupervisorLegAsync(Leg leg, SipCallEvent e)
    {
        switch (e)
        {
            case SipCallAnswered answered when leg == _supervisor && !leg.Answered:
                leg.StopRinging();
                var parsed = SdpParser.Parse(answered.Sdp.Span);
                var media = parsed.Success ? leg.Negotiator.AcceptAnswer(parsed.Session!) : null;
                if (media is not { Success: true })
                {
                    leg.EndReason = "bad-sdp";
                    EndSupervision("bad-sdp", hangup: true);
                    break;
                }

                leg.Media.Apply(media.Media!);
                leg.Call.OfferAnswerer = Reoffers(leg.Negotiator, leg.Media, media.Media!.Codec);
                Joined(leg);
                break;
            case SipCallAnswered:
                leg.Call.Hangup();
                break;
            case SipCallFailed failed:
                leg.Status ??= failed.StatusCode;
                if (leg == _supervisor)
                {
                    leg.StopRinging();
                    EndSupervision("supervisor-" + failed.StatusCode.ToString(CultureInfo.InvariantCulture), hangup: false);
                }

                break;
            case SipCallEnded ended:
                if (leg == _supervisor)
                {
                    EndSupervision("supervisor-hangup", hangup: false);
                }

                await OnLegEndedAsync(leg, ended.Reason).ConfigureAwait(false);
                break;
            case SipCallRequest { Method: "INFO" } info when info.Request.TryGetField(SipHeaderId.ContentType, out var contentType):
                leg.Media.Leg.OnSipInfo(info.Request.GetValueString(contentType), info.Request.Body.Span);
                break;
        }
    }

    /// <summary>After each event: a supervision outlives neither its agent's presence on the call nor the talking phase.</summary>
    private void CheckSupervision()
    {
        if (_supervisor is null || _phase == Phase.Ended || (_phase == Phase.Talking && _agent is not null && _agent == _supervisedAgent))
        {
            return;
        }

        EndSupervision(_agent != _supervisedAgent ? "agent-left" : "call-left-talking", hangup: true);
    }

    /// <summary>Takes the supervisor off the call: the bridge relays caller and agent again; BYE with <paramref name="hangup"/>.</summary>
    private void EndSupervision(string reason, bool hangup)
    {
        if (_supervisor is not { } leg)
        {
            return;
        }

        DetachMixer();
        _supervisor = null;
        _supervisedAgent = null;
        leg.StopRinging();
        leg.EndReason ??= reason;
        Event("supervise-end", leg.Party + " " + reason);
        SupervisionLog.Left(_logger, CallId, leg.Party, reason);
        _supervisePending?.TrySetResult(CallControlResult.Fail(CallControlError.Failed, reason));
        _supervisePending = null;
        if (hangup && leg.Call.State != SipCallState.Ended)
        {
            leg.Call.Hangup();
        }

        if (_phase == Phase.Talking && _holdStarted is null)
        {
            AttachParties();
        }
    }

    /// <summary>Mixes the three parties in the current mode (the recording goes on through the mixer); false when not supervised.</summary>
    private bool AttachMixer()
    {
        if (_supervisor is not { Answered: true } supervisor || _callerMedia is null || _agent is null || _agent != _supervisedAgent
            || _service.MediaClock is not { } clock)
        {
            return false;
        }

        DetachMixer();
        _mixer = new ConferenceMixer(_callerMedia.Leg, _agent.Media.Leg, supervisor.Media.Leg, MixerMode(_supervisionMode)) { Recorder = _bridge?.Recorder };
        _mixing = clock.Add(_mixer);
        return true;
    }

    /// <summary>Stops mixing (the legs forward nowhere until the bridge or the mixer is attached again).</summary>
    private void DetachMixer()
    {
        _mixing?.Dispose();
        _mixing = null;
        _mixer?.Dispose();
        _mixer = null;
    }

    private static SupervisorMode MixerMode(SupervisionMode mode) => mode switch
    {
        SupervisionMode.Whisper => SupervisorMode.Whisper,
        SupervisionMode.Barge => SupervisorMode.Barge,
        _ => SupervisorMode.Listen,
    };

    private static string ModeName(SupervisionMode mode) => mode switch
    {
        SupervisionMode.Whisper => "whisper",
        SupervisionMode.Barge => "barge",
        _ => "listen",
    };

    private static partial class SupervisionLog
    {
        [LoggerMessage(EventId = 3140, Level = LogLevel.Information, Message = "Call {CallId}: ringing supervisor {Supervisor} at {Contact}")]
        public static partial void Ringing(ILogger logger, string callId, string supervisor, string contact);

        [LoggerMessage(EventId = 3141, Level = LogLevel.Information, Message = "Call {CallId}: supervisor {Supervisor} joined ({Mode})")]
        public static partial void Joined(ILogger logger, string callId, string supervisor, string mode);

        [LoggerMessage(EventId = 3142, Level = LogLevel.Information, Message = "Call {CallId}: supervisor {Supervisor} left ({Reason})")]
        public static partial void Left(ILogger logger, string callId, string supervisor, string reason);
    }
}
