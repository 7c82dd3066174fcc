using System.Diagnostics;
using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Media;
using Acd.Calls.Records;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media.Audio;
using Acd.Media.Players;
using Acd.Sip;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

/// <summary>
/// The inbound call actor without sockets: a real <see cref="InboundCallService"/> on a SIP user agent of an in-memory
/// network, a caller UA and an agent phone UA on the same network, fakes of the ACD's queues, location service, media
/// and record sink, every timer (SIP's and the call's) on one FakeTimeProvider. Real time is only spent waiting (bounded)
/// for the actor's asynchronous hand-offs; every timeout is reached with <see cref="LoopbackSipNetwork.Advance"/>.
/// </summary>
public sealed partial class InboundCallTests : IAsyncLifetime
{
    private const int AcdPort = 5060;
    private const int CallerPort = 5080;
    private const int PhonePort = 5090;
    private const string Agent = "1002";
    private const string Caller = "+15551234567";
    private static readonly TimeSpan RingTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WrapUp = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _acd;
    private readonly SipUserAgent _callerUa;
    private readonly SipUserAgent _phoneUa;
    private readonly FakeQueues _queues;
    private readonly FakeAgents _agents = new();
    private readonly FakeExtensions _extensions = new();
    private readonly FakeBusy _busy = new();
    private readonly ScopedMeters _meters = new();
    private readonly FakeMedia _media;
    private readonly RecordCollector _records = new();
    private readonly IvrMetrics _ivrMetrics;
    private readonly IvrMediaMetrics _ivrMediaMetrics;
    private readonly CallMetrics _metrics;
    private readonly string _dir = Directory.CreateTempSubdirectory("acd-inbound-").FullName;
    private InboundCallService? _service;
    private readonly Acd.Media.Clock.MediaScheduler _mixClock = new(Stopwatch.Frequency);
    private int _barriers;

    public InboundCallTests()
    {
        _queues = new FakeQueues(_net.Time) { Ring = RingTimeout, WrapUpTime = WrapUp };
        _media = new FakeMedia(_meters);
        _ivrMetrics = new IvrMetrics(_meters);
        _ivrMediaMetrics = new IvrMediaMetrics(_meters);
        _metrics = new CallMetrics(_meters);
        _acd = _net.AddAgent(AcdPort);
        _callerUa = _net.AddAgent(CallerPort);
        _phoneUa = _net.AddAgent(PhonePort);
        _agents.Contacts[Agent] = [new AgentContact($"sip:{Agent}@127.0.0.1:{PhonePort}", LoopbackSipNetwork.PeerOf(PhonePort))];
    }

    private InboundCallOptions Options { get; set; } = new()
    {
        Node = "test",
        FirstAnnouncement = TimeSpan.Zero,
        FallbackQueue = "support",
    };

    private InboundCallService Service => _service ??= new InboundCallService(Options with { PromptDirectory = _dir }, new InboundCallDependencies
    {
        UserAgent = _acd,
        Media = _media,
        Prompts = new PromptCache(),
        MusicOnHold = new MusicOnHold(new PromptCache()),
        Engine = new IvrEngine(_net.Time, _ivrMetrics),
        QueueInfo = new FakeQueueInfo(),
        Queues = _queues,
        Agents = _agents,
        Records = _records,
        Time = _net.Time,
        Metrics = _metrics,
        IvrMediaMetrics = _ivrMediaMetrics,
        Extensions = _extensions,
        AgentBusy = _busy,
        ConsultCalls = _consultCalls,
        ExternalDialer = _externalDialer,
        TransferPolicy = () => _transferPolicy,
        Callbacks = _callbackScheduler,
        RecordingClock = _mixClock, // paces supervision mixers (never run here: the tests look at who forwards to whom)
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            // Shutdown hangs up what is left; the legs' confirmations need the network pumped (and the drain's timer, time).
            var disposing = _service.DisposeAsync().AsTask();
            await UntilAsync(() => disposing.IsCompleted, "the service to stop", advance: true);
            await disposing;
        }

        _acd.Dispose();
        _callerUa.Dispose();
        _phoneUa.Dispose();
        _media.Dispose();
        _ivrMetrics.Dispose();
        _ivrMediaMetrics.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Offer_RingTimeoutOnFakeTime_CancelsThePhoneAndReportsRingNoAnswer()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);

        AssertAgentInvite(phone.Invite!);
        _net.Advance(RingTimeout - Step);
        await BarrierAsync(caller.CallId);
        Assert.Equal(0, _net.CountDelivered("CANCEL ", PhonePort));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RingNoAnswerAsync)));

        _net.Advance(Step);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.RingNoAnswerAsync)) == 1, "RingNoAnswerAsync");
        await UntilAsync(() => phone.State == SipCallState.Ended, "the phone's call to end");

        Assert.Equal(1, _net.CountDelivered("CANCEL ", PhonePort));
        Assert.Contains(LoopbackSipNetwork.Drain(phone), e => e is SipCallEnded { Reason: "cancelled" });
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.RingNoAnswerAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RejectAsync), Agent));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _net.CountDelivered("BYE ", CallerPort));
    }

    [Fact]
    public async Task Offer_PhoneAnswers486_RejectsAndTheCallerStaysQueued()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);

        Assert.True(phone.Reject(486, "Busy Here"));
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.RejectAsync), Agent) == 1, "RejectAsync");
        await BarrierAsync(caller.CallId);

        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.RejectAsync)).Where(c => c.Agent == Agent));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RingNoAnswerAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _net.CountDelivered("BYE ", CallerPort));
        Assert.Equal(SipCallState.Answered, caller.State);
        Assert.Empty(_records.All);
        Assert.Equal(1, Service.CallCount);
    }

    [Fact]
    public async Task Answer_RoutingRefusesTheAccept_ByesThePhoneAndTheCallerStaysQueued()
    {
        _queues.Results[nameof(ICallQueues.AcceptAsync)] = QueueResult.Fail("not-reserved");
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);

        Assert.True(phone.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => phone.State == SipCallState.Ended, "the phone's call to end");
        await BarrierAsync(caller.CallId);

        Assert.Equal(1, _net.CountDelivered("BYE ", PhonePort));
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.AcceptAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _net.CountDelivered("BYE ", CallerPort));
        Assert.False(_media.Bridged);
        Assert.Equal(1, Service.CallCount);
    }

    [Fact]
    public async Task Accept_RoutingRefusesTheEnqueue_ByesTheCallerWithoutAbandoning()
    {
        _queues.Results[nameof(ICallQueues.EnqueueAsync)] = QueueResult.Fail("queue-full");
        var caller = Dial(CallerOffer);
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the ACD"), script: null, queue: "support");

        var record = await RecordAsync();
        await UntilAsync(() => caller.State == SipCallState.Ended, "the caller's BYE");

        Assert.Equal(1, _net.CountDelivered("BYE ", CallerPort));
        Assert.Equal(CallOutcome.Failed, record.Outcome);
        Assert.Equal("enqueue-refused", record.Reason);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, Service.CallCount);
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task CallerHangup_AfterAgentAnswered_ByesTheAgentAndWritesTheRecordWhenWrapUpEnds()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        _net.Advance(TimeSpan.FromSeconds(30));

        caller.Hangup();
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.EndAsync)) == 1 && Service.PendingRecords == 1 && phone.State == SipCallState.Ended, "EndAsync, the pending record and the phone's BYE");

        Assert.Equal(1, _net.CountDelivered("BYE ", PhonePort));
        Assert.Equal(SipCallState.Ended, phone.State);
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.AcceptAsync)));
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Empty(_records.All);

        _net.Time.Advance(TimeSpan.FromSeconds(7));
        Service.AgentStateChanged(Agent, inWrapUp: true);
        Assert.Empty(_records.All);
        Service.AgentStateChanged(Agent, inWrapUp: false);

        var record = Assert.Single(_records.All);
        Assert.Equal(CallOutcome.Answered, record.Outcome);
        Assert.Equal("caller-hangup", record.Reason);
        Assert.Equal(Agent, record.Agent);
        Assert.Equal("support", record.Queue);
        Assert.Equal(30, record.TalkSeconds);
        Assert.Equal(7, record.WrapUpSeconds);
        Assert.Equal(0, Service.PendingRecords);
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task CallerHangup_WrapUpEndsWhileAnUnconfirmedLegDrains_RecordWrittenWhenWrapUpEnds()
    {
        // Agent 1001's phone is registered but unplugged: its INVITE goes nowhere, so its leg never confirms and the end
        // of the call waits (2 s) for it. Agent 1002's 1 s wrap-up must not end unseen during that wait.
        _queues.WrapUpTime = TimeSpan.FromSeconds(1);
        _agents.Contacts["1001"] = [new AgentContact("sip:1001@127.0.0.1:5095", LoopbackSipNetwork.PeerOf(5095))];
        var caller = await CallInAsync();
        Assert.True(Service.Offer(caller.CallId, "1001", "support"));
        await BarrierAsync(caller.CallId);
        _net.Advance(RingTimeout);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.RingNoAnswerAsync), "1001") == 1, "RingNoAnswerAsync");
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        caller.Hangup();
        var notified = false;
        await UntilAsync(
            () =>
            {
                // Routing: the wrap-up ends WrapUpTime after EndAsync.
                if (!notified && _queues.All.FirstOrDefault(c => c.Method == nameof(ICallQueues.EndAsync)) is { } end && _net.Time.GetUtcNow() >= end.At + _queues.WrapUpTime)
                {
                    notified = true;
                    Service.AgentStateChanged(Agent, inWrapUp: false);
                }

                return _records.All.Count > 0;
            },
            "the record",
            advance: true);

        var record = Assert.Single(_records.All);
        Assert.Equal(Agent, record.Agent);
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));
        Assert.Equal(["1001", Agent], record.Legs.Where(l => l.Role == "agent").Select(l => l.Party).Order());
    }

    [Fact]
    public async Task CallerHangup_WhileQueued_AbandonsOnce()
    {
        var caller = await CallInAsync();
        _net.Advance(TimeSpan.FromSeconds(20));

        caller.Hangup();
        var record = await RecordAsync();

        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
        Assert.Equal("caller-hangup-queue", record.Reason);
        Assert.Equal(20, record.WaitSeconds);
        Assert.Equal([(caller.CallId, null)], _queues.Of(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
        Assert.Equal(0, Service.CallCount);
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task CallerHangup_WhileThePhoneRings_CancelsThePhoneAndAbandons()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);

        caller.Hangup();
        var record = await RecordAsync();

        Assert.Equal(1, _net.CountDelivered("CANCEL ", PhonePort));
        Assert.Equal(SipCallState.Ended, phone.State);
        Assert.Equal([(caller.CallId, null)], _queues.Of(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RejectAsync), Agent));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RingNoAnswerAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
        var leg = Assert.Single(record.Legs, l => l.Role == "agent");
        Assert.Equal(487, leg.Status);
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task Offer_AgentHasNoContacts_RejectsAndTheCallerStaysQueued()
    {
        var caller = await CallInAsync();

        Assert.True(Service.Offer(caller.CallId, "1003", "support"));
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.RejectAsync), "1003") == 1, "RejectAsync");

        Assert.Equal(0, _net.CountDelivered("INVITE ", PhonePort));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(0, _net.CountDelivered("BYE ", CallerPort));
        Assert.Equal(SipCallState.Answered, caller.State);
        Assert.Equal(1, Service.CallCount);
    }

    [Fact]
    public async Task Announcements_FirstAndIntervalOnFakeTime_AskThePlaceOnlyWhenDue()
    {
        Options = Options with { FirstAnnouncement = TimeSpan.FromSeconds(15), AnnouncementInterval = TimeSpan.FromSeconds(45) };
        var caller = await CallInAsync();

        _net.Advance(TimeSpan.FromSeconds(15) - Step);
        await BarrierAsync(caller.CallId);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.GetPlaceAsync)));
        _net.Advance(Step);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.GetPlaceAsync)) == 1, "the first GetPlaceAsync");

        _net.Advance(TimeSpan.FromSeconds(45) - Step);
        await BarrierAsync(caller.CallId);
        Assert.Equal(1, _queues.Count(nameof(ICallQueues.GetPlaceAsync)));
        _net.Advance(Step);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.GetPlaceAsync)) == 2, "the second GetPlaceAsync");
        Assert.All(_queues.Of(nameof(ICallQueues.GetPlaceAsync)), c => Assert.Equal(caller.CallId, c.CallId));
    }

    [Fact]
    public async Task MaxCallDuration_ReachedWhileTalking_ByesBothLegsAndEndsTheAgent()
    {
        Options = Options with { MaxCallDuration = TimeSpan.FromMinutes(2) };
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        _net.Advance(TimeSpan.FromMinutes(2) - Step);
        await BarrierAsync(caller.CallId);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EndAsync)));
        _net.Advance(Step);
        await UntilAsync(
            () => _queues.Count(nameof(ICallQueues.EndAsync)) == 1 && Service.PendingRecords == 1 && caller.State == SipCallState.Ended && phone.State == SipCallState.Ended,
            "EndAsync, the pending record and both BYEs");

        Assert.Equal(1, _net.CountDelivered("BYE ", CallerPort));
        Assert.Equal(1, _net.CountDelivered("BYE ", PhonePort));
        Assert.Equal(SipCallState.Ended, caller.State);
        Assert.Equal(SipCallState.Ended, phone.State);
        Assert.Equal([(caller.CallId, Agent)], _queues.Of(nameof(ICallQueues.EndAsync)));
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal("max-duration", record.Reason);
        Assert.Equal(CallOutcome.Answered, record.Outcome);
        Assert.Equal(Agent, record.Agent);
    }

    [Fact]
    public async Task ReservationLost_WhileRinging_CancelsThePhoneWithoutReportingAMiss()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);

        Assert.True(Service.ReservationLost(caller.CallId, Agent));
        await UntilAsync(() => phone.State == SipCallState.Ended, "the phone's call to end");
        _net.Advance(RingTimeout);
        await BarrierAsync(caller.CallId);

        Assert.Equal(1, _net.CountDelivered("CANCEL ", PhonePort));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RingNoAnswerAsync)));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.RejectAsync), Agent));
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal(SipCallState.Answered, caller.State);
    }

    [Fact]
    public async Task Accept_MalformedSdp_Refuses488AndCountsIt()
    {
        using var refused = new MetricCollector<long>(_meters, "Acd.Calls", "acd_calls_refused_total");
        var caller = Dial("v=0\r\nm=audio banana RTP/AVP\r\n");
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the ACD"), script: null, queue: "support");

        var record = await RecordAsync();
        await UntilAsync(() => caller.State == SipCallState.Ended, "the caller's 488");

        Assert.Equal(1, _net.CountDelivered("SIP/2.0 488 ", CallerPort));
        Assert.Contains(LoopbackSipNetwork.Drain(caller), e => e is SipCallFailed { StatusCode: 488 });
        Assert.Equal(CallOutcome.Failed, record.Outcome);
        Assert.Equal("bad_sdp", record.Reason);
        Assert.Equal(0, _media.Created);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EnqueueAsync)));
        var measurement = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("bad_sdp", measurement.Tags["reason"]);
    }

    [Fact]
    public async Task Accept_ScriptWithOnlyAQueueNode_EnqueuesWithTheNodesPriority()
    {
        var file = Path.Combine(_dir, "queue-only.yaml");
        await File.WriteAllTextAsync(file, """
            start: wait
            nodes:
              wait:
                kind: queue
                queue: support
                priority: 5
            """);
        var loaded = IvrScriptLoader.LoadFile(file, IvrPromptLibrary.FromDirectory(_dir), _net.Time.GetUtcNow());
        Assert.True(loaded.Succeeded, string.Join(Environment.NewLine, loaded.Diagnostics));

        var caller = await CallInAsync(loaded.Script);
        caller.Hangup();
        var record = await RecordAsync();

        var enqueue = Assert.Single(_queues.All, c => c.Method == nameof(ICallQueues.EnqueueAsync));
        Assert.Equal(("support", 5), (enqueue.Queue, enqueue.Priority));
        Assert.Equal("queue-only", record.IvrScript);
        Assert.Equal(["wait"], record.IvrPath);
        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
        Assert.Equal([(caller.CallId, null)], _queues.Of(nameof(ICallQueues.AbandonAsync)));
    }

    // ---------------------------------------------------------------- steps

    private const string CallerOffer =
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

    private const string PhoneAnswer =
        "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40100 RTP/AVP 0 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

    private SipCall Dial(string sdp) => _callerUa.Originate(new SipOriginateRequest
    {
        Target = $"sip:100@127.0.0.1:{AcdPort}",
        Destination = LoopbackSipNetwork.PeerOf(AcdPort),
        From = $"sip:{Caller}@127.0.0.1:{CallerPort}",
        Sdp = Encoding.UTF8.GetBytes(sdp),
    });

    /// <summary>A caller dials in; the service takes the call (straight to queue support without a script) and enqueues it.</summary>
    private async Task<SipCall> CallInAsync(IvrScript? script = null)
    {
        var caller = Dial(CallerOffer);
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the ACD"), script, script is null ? "support" : null);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 1 && caller.State == SipCallState.Answered, "the caller answered and queued");
        await BarrierAsync(caller.CallId); // the call has noted the time it was queued and armed its announcements
        return caller;
    }

    /// <summary>Routing offers the call to <see cref="Agent"/>: the phone receives the INVITE and rings (180).</summary>
    private async Task<SipCall> OfferAsync(string callId)
    {
        Assert.True(Service.Offer(callId, Agent, "support"));
        SipCall? phone = null;
        await UntilAsync(() => _phoneUa.IncomingCalls.TryRead(out phone), "the phone's INVITE");
        Assert.True(phone!.Ring());
        await BarrierAsync(callId); // the ring timer is armed
        return phone;
    }

    private async Task AnswerAsync(SipCall phone)
    {
        Assert.True(phone.Answer(Encoding.UTF8.GetBytes(PhoneAnswer)));
        await UntilAsync(() => _media.Bridged && _net.CountDelivered("ACK ", PhonePort) == 1, "the bridge and the ACK");
    }

    private async Task<CallRecord> RecordAsync()
    {
        await UntilAsync(() => _records.All.Count > 0, "the call record");
        return Assert.Single(_records.All);
    }

    /// <summary>
    /// Waits until the call has handled every event posted so far (timers included): an offer of an agent with no
    /// phone, which the call answers with RejectAsync, queues behind them in the call's channel.
    /// </summary>
    private async Task BarrierAsync(string callId)
    {
        var marker = "barrier-" + ++_barriers;
        Assert.True(Service.Offer(callId, marker, "support"));
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.RejectAsync), marker) == 1, marker);
    }

    /// <summary>Pumps the network until <paramref name="condition"/> holds (5 s of real time at most); with <paramref name="advance"/>, virtual time moves too.</summary>
    private async Task UntilAsync(Func<bool> condition, string what, bool advance = false)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            _net.Pump();
            if (condition())
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "timed out waiting for " + what + "; queue calls: " + string.Join(", ", _queues.All.Select(c => c.Method + " " + c.Agent)));
            if (advance)
            {
                _net.Time.Advance(Step);
            }

            await Task.Delay(5);
        }
    }

    private static void AssertAgentInvite(SipMessage invite)
    {
        Assert.True(invite.TryGetFrom(out var from));
        Assert.Equal("support: " + Caller, from.GetDisplayNameString());
        Assert.True(invite.TryGetNameAddr(SipHeaderId.PAssertedIdentity, out var identity));
        Assert.Equal($"sip:{Caller}@127.0.0.1", Encoding.UTF8.GetString(identity.Uri));
        Assert.True(invite.TryGetField("X-Acd-Queue"u8, out var queue));
        Assert.Equal("support", invite.GetValueString(queue));
        Assert.True(invite.TryGetField("X-Acd-Caller"u8, out var callerHeader));
        Assert.Equal(Caller, invite.GetValueString(callerHeader));
    }
}
