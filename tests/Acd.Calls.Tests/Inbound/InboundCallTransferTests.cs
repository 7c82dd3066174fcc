using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Sip;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// Blind transfers: REFER from the agent's phone (202, NOTIFY sipfrag 100 then final, BYE, wrap-up) and the API.
public sealed partial class InboundCallTests
{
    private const int SecondPhonePort = 5091;
    private const string SecondAgent = "1004";

    [Fact]
    public async Task Refer_ToAQueue_NotifiesTrying200ByesTheAgentAndRequeuesWithTheOriginalArrivalAndPriority()
    {
        _queues.Queues.Add("claims");
        var caller = await CallInAsync();
        var firstEnqueue = _queues.All.Single(c => c.Method == nameof(ICallQueues.EnqueueAsync)).At;
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        _net.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(202, await ReferAsync(phone, "<sip:claims@127.0.0.1>"));
        await UntilAsync(() => phone.State == SipCallState.Ended && _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 2, "the BYE and the new enqueue");

        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], Notifies(PhonePort));
        Assert.Contains(_net.DeliveredTo(PhonePort), m => m.StartsWith("NOTIFY ", StringComparison.Ordinal) && m.Contains("Subscription-State: terminated", StringComparison.Ordinal));
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));
        var requeue = _queues.All.Last(c => c.Method == nameof(ICallQueues.EnqueueAsync));
        Assert.Equal(("claims", (DateTimeOffset?)firstEnqueue), (requeue.Queue, requeue.Arrived));
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Queued, Service.Find(caller.CallId)!.State);

        // A claims agent takes it; the record shows the transfer and both agents' legs.
        var second = await SecondPhoneAnswersAsync(caller.CallId, "claims");
        Assert.True(second.Invite!.TryGetField("X-Acd-Caller"u8, out var callerHeader));
        Assert.Equal(Caller, second.Invite.GetValueString(callerHeader));
        caller.Hangup();
        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(SecondAgent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal(["queue:claims"], record.Transfers);
        Assert.Equal((SecondAgent, "claims", CallOutcome.Answered), (record.Agent, record.Queue, record.Outcome));
        Assert.Equal([Agent, SecondAgent], record.Legs.Where(l => l.Role == "agent").Select(l => l.Party));
        Assert.Equal("transferred", record.Legs.First(l => l.Party == Agent).EndReason);
    }

    [Fact]
    public async Task Refer_ToAnUnregisteredAgent_Notifies480AndTheCallerGoesBackToItsQueueAtItsArrival()
    {
        _extensions.Agents.Add(SecondAgent);
        var caller = await CallInAsync();
        var firstEnqueue = _queues.All.Single(c => c.Method == nameof(ICallQueues.EnqueueAsync)).At;
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        Assert.Equal(202, await ReferAsync(phone, "<sip:" + SecondAgent + "@127.0.0.1>"));
        await UntilAsync(() => Notifies(PhonePort).Count == 2 && _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 2 && phone.State == SipCallState.Ended, "the 480, the requeue and the BYE");

        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 480 Temporarily Unavailable"], Notifies(PhonePort));
        var requeue = _queues.All.Last(c => c.Method == nameof(ICallQueues.EnqueueAsync));
        Assert.Equal(("support", (DateTimeOffset?)firstEnqueue), (requeue.Queue, requeue.Arrived));
        Assert.Empty(_busy.Log);
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Queued, Service.Find(caller.CallId)!.State);
    }

    [Fact]
    public async Task TransferAsync_ToARegisteredAgent_RingsBridgesAndTheRecordIsWrittenAtTheEnd()
    {
        _extensions.Agents.Add(SecondAgent);
        var secondUa = _net.AddAgent(SecondPhonePort);
        _agents.Contacts[SecondAgent] = [new AgentContact($"sip:{SecondAgent}@127.0.0.1:{SecondPhonePort}", LoopbackSipNetwork.PeerOf(SecondPhonePort))];
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        var result = await UntilCompletedAsync(Service.TransferAsync(caller.CallId, new TransferTarget(TransferTargetKind.Agent, SecondAgent), CancellationToken.None));
        Assert.True(result.Succeeded, result.Reason);
        SipCall? second = null;
        await UntilAsync(() => secondUa.IncomingCalls.TryRead(out second), "the second agent's INVITE");
        Assert.Equal(ActiveCallState.Transferring, Service.Find(caller.CallId)!.State);
        Assert.True(second!.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => Service.Find(caller.CallId)?.State == ActiveCallState.Talking && phone.State == SipCallState.Ended, "the bridge and the first agent's BYE");
        Assert.Equal(SecondAgent, Service.FindByAgent(SecondAgent)!.AgentId);

        second.Hangup();
        var record = await RecordAsync();
        Assert.Equal((SecondAgent, CallOutcome.Answered), (record.Agent, record.Outcome));
        Assert.Equal(["agent:" + SecondAgent], record.Transfers);
        Assert.Equal(["mark " + SecondAgent, "restore " + SecondAgent], _busy.Log);
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));
        secondUa.Dispose();
    }

    [Fact]
    public async Task Refer_ToAnExternalNumber_Forbidden403AndTheCallStaysUp()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        Assert.Equal(202, await ReferAsync(phone, "<sip:+15550001111@127.0.0.1>"));
        await UntilAsync(() => Notifies(PhonePort).Count == 2, "the final NOTIFY");

        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 403 Forbidden"], Notifies(PhonePort));
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Talking, Service.Find(caller.CallId)!.State);
        Assert.Equal(SipCallState.Answered, phone.State);
        Assert.True(_media.Bridged);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
    }

    [Fact]
    public async Task TransferAsync_UnknownQueueOrQueuedCall_RefusedWithoutChange()
    {
        var caller = await CallInAsync();
        Assert.Equal(CallControlError.InvalidState, (await UntilCompletedAsync(Service.TransferAsync(caller.CallId, new TransferTarget(TransferTargetKind.Queue, "support"), CancellationToken.None))).Error);
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        var result = await UntilCompletedAsync(Service.TransferAsync(caller.CallId, new TransferTarget(TransferTargetKind.Queue, "nope"), CancellationToken.None));

        Assert.Equal(CallControlError.NotAllowed, result.Error);
        Assert.Equal(ActiveCallState.Talking, Service.Find(caller.CallId)!.State);
        Assert.Equal(CallControlError.NotFound, (await Service.TransferAsync("nope", new TransferTarget(TransferTargetKind.Queue, "support"), CancellationToken.None)).Error);
    }

    private async Task<int> ReferAsync(SipCall phone, string referTo)
    {
        var status = phone.SendRequestAsync("REFER", headers: [new SipHeader("Refer-To", referTo), new SipHeader("Referred-By", $"<sip:{Agent}@127.0.0.1>")]);
        await UntilAsync(() => status.IsCompleted, "the REFER's answer");
        return await status;
    }

    /// <summary>The sipfrag status lines of the NOTIFYs delivered to <paramref name="port"/>, in order.</summary>
    private List<string> Notifies(int port) =>
        [.. _net.DeliveredTo(port).Where(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal)).Select(m => m[(m.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..].TrimEnd())];

    private async Task<SipCall> SecondPhoneAnswersAsync(string callId, string queue)
    {
        var secondUa = _net.AddAgent(SecondPhonePort);
        _agents.Contacts[SecondAgent] = [new AgentContact($"sip:{SecondAgent}@127.0.0.1:{SecondPhonePort}", LoopbackSipNetwork.PeerOf(SecondPhonePort))];
        Assert.True(Service.Offer(callId, SecondAgent, queue));
        SipCall? second = null;
        await UntilAsync(() => secondUa.IncomingCalls.TryRead(out second), "the second phone's INVITE");
        Assert.True(second!.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.AcceptAsync), SecondAgent) == 1 && _media.Bridged, "the second bridge");
        return second;
    }
}
