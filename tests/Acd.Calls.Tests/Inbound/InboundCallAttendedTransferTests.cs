using System.Collections.Concurrent;
using System.Text;
using Acd.Calls.Direct;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Media.Codecs;
using Acd.Media.Sdp;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// Attended transfer (REFER with Replaces naming the agent's consult dialog) and external transfers by policy.
public sealed partial class InboundCallTests
{
    private readonly FakeConsultCalls _consultCalls = new();
    private readonly FakeExternalDialer _externalDialer = new();
    private TransferPolicy _transferPolicy = new();

    [Fact]
    public async Task Refer_WithReplacesOfTheConsultDialog_BridgesTheCallerToTheConsultedAgentAndReleasesTheFirst()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        var consulted = await ConsultAsync();

        Assert.Equal(202, await ReferAsync(phone, "<sip:" + SecondAgent + "@127.0.0.1?Replaces=consult-1%40agent%3Bto-tag%3Dnode-tag%3Bfrom-tag%3Dphone-tag>"));
        await UntilAsync(() => phone.State == SipCallState.Ended && Service.Find(caller.CallId)?.State == ActiveCallState.Talking, "the first agent's BYE and the new bridge");

        Assert.Equal(("consult-1@agent", "node-tag", "phone-tag", Agent), _consultCalls.Asked.Single());
        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], Notifies(PhonePort));
        Assert.Equal(SecondAgent, Service.Find(caller.CallId)!.AgentId);
        Assert.True(_media.Bridged);
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));

        // The consulted agent hangs up: the call ends, its busy mark is given back (no wrap-up of a routed call).
        consulted.Hangup();
        var record = await RecordAsync();
        Assert.Equal((SecondAgent, CallOutcome.Answered, "agent-hangup"), (record.Agent, record.Outcome, record.Reason));
        Assert.Equal(["attended:" + SecondAgent], record.Transfers);
        Assert.Equal([Agent, SecondAgent], record.Legs.Where(l => l.Role == "agent").Select(l => l.Party));
        Assert.Contains(record.Events, e => e.Kind == "attended-transfer");
        Assert.Equal(["restore " + SecondAgent], _busy.Log);
        Assert.Equal(SipCallState.Ended, caller.State);
    }

    [Fact]
    public async Task Refer_WithReplacesOfAConsultCallToAQueue_TheRoutedAgentTakesTheCallerAndWrapsUpForTheConsultCall()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        // The first agent's phone calls the queue; routing offers the consult call to the second agent, who answers.
        var consult = _phoneUa.Originate(new SipOriginateRequest
        {
            Target = $"sip:100@127.0.0.1:{AcdPort}",
            Destination = LoopbackSipNetwork.PeerOf(AcdPort),
            From = $"sip:{Agent}@127.0.0.1:{PhonePort}",
            Sdp = Encoding.UTF8.GetBytes(CallerOffer),
        });
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the consult call"), null, "support");
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 2 && consult.State == SipCallState.Answered, "the consult call queued");
        var secondUa = _net.AddAgent(SecondPhonePort);
        _agents.Contacts[SecondAgent] = [new AgentContact($"sip:{SecondAgent}@127.0.0.1:{SecondPhonePort}", LoopbackSipNetwork.PeerOf(SecondPhonePort))];
        Assert.True(Service.Offer(consult.CallId, SecondAgent, "support"));
        SipCall? second = null;
        await UntilAsync(() => secondUa.IncomingCalls.TryRead(out second), "the second phone's INVITE");
        Assert.True(second!.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => Service.Find(consult.CallId)?.State == ActiveCallState.Talking, "the consult call bridged");

        var replaces = Uri.EscapeDataString($"{consult.CallId};to-tag={consult.Dialog!.Id.RemoteTag};from-tag={consult.LocalTag}");
        Assert.Equal(202, await ReferAsync(phone, $"<sip:{SecondAgent}@127.0.0.1?Replaces={replaces}>"));
        await UntilAsync(() => phone.State == SipCallState.Ended && consult.State == SipCallState.Ended && Service.Find(caller.CallId)?.AgentId == SecondAgent, "both BYEs and the new bridge");

        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], Notifies(PhonePort));
        var consultRecord = await RecordAsync();
        Assert.Equal((CallOutcome.Answered, "attended-transfer"), (consultRecord.Outcome, consultRecord.Reason));
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));

        // The caller hangs up: the second agent's routed call (the consult call) ends, its wrap-up gates the record.
        caller.Hangup();
        await UntilAsync(() => Service.PendingRecords == 1 && _queues.Count(nameof(ICallQueues.EndAsync)) == 2, "the pending record");
        Assert.Equal((consult.CallId, (string?)SecondAgent), _queues.Of(nameof(ICallQueues.EndAsync))[1]);
        Service.AgentStateChanged(SecondAgent, inWrapUp: false);
        await UntilAsync(() => _records.All.Count == 2, "the transferred call's record");
        var record = _records.All[1];
        Assert.Equal(SecondAgent, record.Agent);
        Assert.Equal(["attended:" + SecondAgent], record.Transfers);
        Assert.Empty(_busy.Log);
    }

    [Fact]
    public async Task Refer_WithReplacesOfAnUnknownDialog_Notifies481AndTheCallStays()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        Assert.Equal(202, await ReferAsync(phone, "<sip:" + SecondAgent + "@127.0.0.1?Replaces=nope%3Bto-tag%3Da%3Bfrom-tag%3Db>"));
        await UntilAsync(() => Notifies(PhonePort).Count == 2, "the final NOTIFY");

        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 481 Call/Transaction Does Not Exist"], Notifies(PhonePort));
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Talking, Service.Find(caller.CallId)!.State);
        Assert.Equal(SipCallState.Answered, phone.State);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
    }

    [Fact]
    public async Task Refer_ToAnExternalNumberTheCallPolicyAllows_DialsThroughTheTrunkOnBehalfOfTheAgent()
    {
        _transferPolicy = new TransferPolicy { ExternalPrefixes = ["+1800"] };
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        Assert.Equal(202, await ReferAsync(phone, "<sip:+18005550100@127.0.0.1>"));
        await UntilAsync(() => !_externalDialer.Requests.IsEmpty && phone.State == SipCallState.Ended, "the trunk call and the agent's BYE");
        await UntilAsync(() => Notifies(PhonePort).Count == 2, "the final NOTIFY");

        var request = Assert.Single(_externalDialer.Requests);
        Assert.Equal(("+18005550100", Caller, "transfer", Agent), (request.Number, request.CallerId, request.Purpose, request.AuthorizedBy));
        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 503 Service Unavailable"], Notifies(PhonePort));
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Queued, Service.Find(caller.CallId)!.State);
    }

    [Theory]
    [InlineData("+15550001111")]
    [InlineData("+1800abc")]
    public void TransferPolicy_NumberOutsideThePrefixes_Refused(string number) =>
        Assert.False(new TransferPolicy { ExternalPrefixes = ["+1800"] }.AllowsExternal(number));

    [Fact]
    public void TryParseReplaces_EscapedHeader_CallIdAndTags()
    {
        Assert.True(InboundCall.TryParseReplaces("sip:1004@h?Replaces=a%40b%3Bfrom-tag%3Df%3Bto-tag%3Dt&x=1", out var id, out var to, out var from));
        Assert.Equal(("a@b", "t", "f"), (id, to, from));
        Assert.False(InboundCall.TryParseReplaces("sip:1004@h?Replaces=a%40b", out _, out _, out _));
    }

    /// <summary>The first agent's consult call: the node dials the second agent's phone, which answers; the fake registry hands that leg over.</summary>
    private async Task<SipCall> ConsultAsync()
    {
        var secondUa = _net.AddAgent(SecondPhonePort);
        var media = _media.Create("consult")!;
        var negotiator = new SdpNegotiator(new LocalMediaOptions { Address = "127.0.0.1", Port = media.LocalPort }, 7);
        var call = _acd.Originate(new SipOriginateRequest
        {
            Target = $"sip:{SecondAgent}@127.0.0.1:{SecondPhonePort}",
            Destination = LoopbackSipNetwork.PeerOf(SecondPhonePort),
            From = $"sip:{Agent}@127.0.0.1",
            Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()),
        });
        SipCall? second = null;
        await UntilAsync(() => secondUa.IncomingCalls.TryRead(out second), "the consulted phone's INVITE");
        Assert.True(second!.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => call.State == SipCallState.Answered, "the consult answered");
        var answered = Assert.IsType<SipCallAnswered>(LoopbackSipNetwork.Drain(call).Single(e => e is SipCallAnswered));
        media.Apply(negotiator.AcceptAnswer(SdpParser.Parse(answered.Sdp.Span).Session!).Media!);
        _consultCalls.Handover = new ConsultHandover
        {
            AgentId = SecondAgent,
            Call = call,
            Media = media,
            Negotiator = negotiator,
            Codec = G711Law.MuLaw,
            Started = _net.Time.GetUtcNow(),
            Answered = _net.Time.GetUtcNow(),
            BusyToken = SecondAgent,
            Redirect = sink => _ = Task.Run(async () =>
            {
                await foreach (var e in call.Events.ReadAllAsync())
                {
                    sink(e);
                }
            }),
        };
        return second;
    }

    private sealed class FakeConsultCalls : IConsultCalls
    {
        public ConsultHandover? Handover { get; set; }

        public ConcurrentQueue<(string CallId, string ToTag, string FromTag, string Agent)> Asked { get; } = new();

        public Task<ConsultTakeover> TakeOverAsync(string callId, string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken)
        {
            Asked.Enqueue((callId, toTag, fromTag, transferringAgent));
            return Task.FromResult(Handover is { } h && callId == "consult-1@agent"
                ? new ConsultTakeover(h, ConsultRefusal.None)
                : new ConsultTakeover(null, ConsultRefusal.UnknownDialog));
        }
    }

    /// <summary>A trunk that refuses every call (the request is what the tests look at).</summary>
    private sealed class FakeExternalDialer : IExternalDialer
    {
        public ConcurrentQueue<ExternalDialRequest> Requests { get; } = new();

        public ValueTask<ExternalDialResult> DialAsync(ExternalDialRequest request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            return ValueTask.FromResult(ExternalDialResult.Refused("no trunk in the test"));
        }
    }
}
