using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Media.Mixing;
using Acd.Sip;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// Supervisor listen / whisper / barge: the supervisor's own call (*90) answered and mixed, or its phone rung (API);
// DTMF 1/2/3 switch modes; hanging up restores the bridge; the call's end sends the supervisor BYE.
public sealed partial class InboundCallTests
{
    private const int SupervisorPort = 5095;
    private const string Supervisor = "1004";

    [Fact]
    public async Task SuperviseAsync_SupervisorsCall_AnsweredMixedSwitchedByInfoDigitsAndTheBridgeBackOnHangup()
    {
        using var supervisions = new MetricCollector<long>(_meters, "Acd.Calls", "acd_supervisions_total");
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        _net.Advance(TimeSpan.FromSeconds(5));

        var (supervisor, result) = await SupervisorCallsInAsync(supervisorUa, caller.CallId);

        Assert.True(result.Succeeded, result.Reason);
        await UntilAsync(() => supervisor.State == SipCallState.Answered, "the supervisor's call answered");
        var mixer = Assert.IsType<ConferenceMixer>(_media.Legs[0].Forwarder);
        Assert.All(_media.Legs, leg => Assert.Same(mixer, leg.Forwarder));
        Assert.Equal(SupervisorMode.Listen, mixer.Mode);
        Assert.Equal([Supervisor], Service.Find(caller.CallId)!.Supervisors);

        await InfoDigitAsync(supervisor, '2');
        await UntilAsync(() => mixer.Mode == SupervisorMode.Whisper, "whisper");
        _net.Advance(TimeSpan.FromSeconds(3));
        await InfoDigitAsync(supervisor, '3');
        await UntilAsync(() => mixer.Mode == SupervisorMode.Barge, "barge");
        _net.Advance(TimeSpan.FromSeconds(2));

        supervisor.Hangup();
        await UntilAsync(() => Service.Find(caller.CallId)!.Supervisors.Count == 0, "the supervisor gone");
        Assert.True(_media.Bridged);
        Assert.IsType<MediaBridge>(_media.Legs[0].Forwarder);

        caller.Hangup();
        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal([Supervisor], record.Supervisors);
        var leg = Assert.Single(record.Legs, l => l.Role == "supervisor");
        Assert.Equal((Supervisor, "supervisor-hangup", 200), (leg.Party, leg.EndReason, leg.Status));
        Assert.Equal(TimeSpan.FromSeconds(5), leg.Ended - leg.Answered);
        Assert.Equal(
            ["supervise " + Supervisor + " listen", "supervise-mode " + Supervisor + " whisper", "supervise-mode " + Supervisor + " barge", "supervise-end " + Supervisor + " supervisor-hangup"],
            record.Events.Where(e => e.Kind.StartsWith("supervise", StringComparison.Ordinal)).Select(e => e.Kind + " " + e.Detail));
        Assert.Equal(["listen", "whisper", "barge"], supervisions.GetMeasurementSnapshot().Select(m => (string)m.Tags["mode"]!));
    }

    [Fact]
    public async Task SuperviseAsync_CallerHangsUpWhileSupervised_ByeToTheSupervisorAndTheLegRecorded()
    {
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        var (caller, phone, supervisor) = await SupervisedCallAsync(supervisorUa, SupervisionMode.Listen);

        caller.Hangup();
        await UntilAsync(() => supervisor.State == SipCallState.Ended && phone.State == SipCallState.Ended, "BYE to the agent and the supervisor");
        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal("call-ended", record.Legs.Single(l => l.Role == "supervisor").EndReason);
        Assert.Equal(1, _net.CountDelivered("BYE ", SupervisorPort));
    }

    [Fact]
    public async Task SuperviseAsync_SecondSupervisorOrQueuedCall_RefusedInvalidStateWith486()
    {
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        using var secondUa = _net.AddAgent(SupervisorPort + 1);
        var caller = await CallInAsync();
        var (early, queued) = await SupervisorCallsInAsync(supervisorUa, caller.CallId);
        Assert.Equal(CallControlError.InvalidState, queued.Error);
        await UntilAsync(() => early.State == SipCallState.Ended, "the 486");
        Assert.Contains(LoopbackSipNetwork.Drain(early), e => e is SipCallFailed { StatusCode: 486 });

        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        var (first, ok) = await SupervisorCallsInAsync(supervisorUa, caller.CallId);
        Assert.True(ok.Succeeded, ok.Reason);
        var (second, refused) = await SupervisorCallsInAsync(secondUa, caller.CallId, "1005");

        Assert.Equal(CallControlError.InvalidState, refused.Error);
        await UntilAsync(() => second.State == SipCallState.Ended, "the second supervisor's 486");
        Assert.Equal(SipCallState.Answered, first.State);
        Assert.Equal([Supervisor], Service.Find(caller.CallId)!.Supervisors);
    }

    [Fact]
    public async Task SuperviseAsync_HoldWhileSupervised_MixerOffOnHoldAndBackInItsModeOnResume()
    {
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        var (caller, phone, supervisor) = await SupervisedCallAsync(supervisorUa, SupervisionMode.Whisper);

        Assert.Equal(200, await ReofferAsync(phone, "sendonly", cseq: 1));
        await BarrierAsync(caller.CallId);
        Assert.All(_media.Legs, leg => Assert.Null(leg.Forwarder));
        Assert.Equal(SipCallState.Answered, supervisor.State);

        Assert.Equal(200, await ReofferAsync(phone, "sendrecv", cseq: 2));
        await BarrierAsync(caller.CallId);
        var mixer = Assert.IsType<ConferenceMixer>(_media.Legs[0].Forwarder);
        Assert.Equal(SupervisorMode.Whisper, mixer.Mode);
    }

    [Fact]
    public async Task SuperviseAsync_TransferWhileSupervised_ByeToTheSupervisor()
    {
        _queues.Queues.Add("claims");
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        var (caller, phone, supervisor) = await SupervisedCallAsync(supervisorUa, SupervisionMode.Listen);

        var transfer = await UntilCompletedAsync(Service.TransferAsync(caller.CallId, new TransferTarget(TransferTargetKind.Queue, "claims"), CancellationToken.None));

        Assert.True(transfer.Succeeded, transfer.Reason);
        await UntilAsync(() => supervisor.State == SipCallState.Ended, "BYE to the supervisor");
        Assert.Empty(Service.Find(caller.CallId)!.Supervisors);
    }

    [Fact]
    public async Task SuperviseAsync_RingsTheSupervisorsPhone_JoinsOnAnswerAndFailsOnRingTimeout()
    {
        using var supervisorUa = _net.AddAgent(SupervisorPort);
        _agents.Contacts[Supervisor] = [new AgentContact($"sip:{Supervisor}@127.0.0.1:{SupervisorPort}", LoopbackSipNetwork.PeerOf(SupervisorPort))];
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        // Rings out: Failed, CANCEL.
        var timedOut = Service.SuperviseAsync(caller.CallId, Supervisor, SupervisionMode.Listen, CancellationToken.None);
        SipCall? ringing = null;
        await UntilAsync(() => supervisorUa.IncomingCalls.TryRead(out ringing), "the supervisor's INVITE");
        Assert.True(ringing!.Invite!.TryGetFrom(out var from));
        Assert.Equal("listen: support " + Caller, from.GetDisplayNameString());
        Assert.True(ringing.Ring());
        await BarrierAsync(caller.CallId);
        _net.Advance(RingTimeout);
        Assert.Equal(CallControlError.Failed, (await UntilCompletedAsync(timedOut)).Error);
        await UntilAsync(() => _net.CountDelivered("CANCEL ", SupervisorPort) == 1, "the CANCEL");

        // Answered: joined, listening.
        var answered = Service.SuperviseAsync(caller.CallId, Supervisor, SupervisionMode.Barge, CancellationToken.None);
        SipCall? second = null;
        await UntilAsync(() => supervisorUa.IncomingCalls.TryRead(out second), "the second INVITE");
        Assert.True(second!.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        Assert.True((await UntilCompletedAsync(answered)).Succeeded);
        var mixer = Assert.IsType<ConferenceMixer>(_media.Legs[0].Forwarder);
        Assert.Equal(SupervisorMode.Barge, mixer.Mode);
        Assert.Equal([Supervisor], Service.Find(caller.CallId)!.Supervisors);
    }

    /// <summary>A call in, answered by <see cref="Agent"/>, joined by <see cref="Supervisor"/>'s own call in <paramref name="mode"/>.</summary>
    private async Task<(SipCall Caller, SipCall Phone, SipCall Supervisor)> SupervisedCallAsync(SipUserAgent supervisorUa, SupervisionMode mode)
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        var (supervisor, result) = await SupervisorCallsInAsync(supervisorUa, caller.CallId, mode: mode);
        Assert.True(result.Succeeded, result.Reason);
        return (caller, phone, supervisor);
    }

    /// <summary>The supervisor's phone calls in (as <c>*90</c> would) and the call is handed to <see cref="ICallControl.SuperviseAsync(string, string, SipCall, SupervisionMode, CancellationToken)"/>.</summary>
    private async Task<(SipCall Supervisor, CallControlResult Result)> SupervisorCallsInAsync(SipUserAgent ua, string callId, string supervisorId = Supervisor, SupervisionMode mode = SupervisionMode.Listen)
    {
        var call = ua.Originate(new SipOriginateRequest
        {
            Target = $"sip:*90{Agent}@127.0.0.1:{AcdPort}",
            Destination = LoopbackSipNetwork.PeerOf(AcdPort),
            From = $"sip:{supervisorId}@127.0.0.1",
            Sdp = Encoding.UTF8.GetBytes(CallerOffer),
        });
        _net.Pump();
        var incoming = LoopbackSipNetwork.Incoming(_acd, "the ACD");
        var result = await UntilCompletedAsync(Service.SuperviseAsync(callId, supervisorId, incoming, mode, CancellationToken.None));
        await UntilAsync(() => call.State != SipCallState.Setup, "the supervisor's call answered or refused");
        return (call, result);
    }

    private async Task InfoDigitAsync(SipCall call, char digit)
    {
        var status = call.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes("Signal=" + digit + "\r\nDuration=160\r\n"));
        await UntilAsync(() => status.IsCompleted, "the INFO's answer");
        Assert.Equal(200, await status);
    }
}
