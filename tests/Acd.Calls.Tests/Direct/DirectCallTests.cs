using System.Collections.Concurrent;
using System.Text;
using Acd.Calls.Direct;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Calls.Tests.Inbound;
using Acd.Media.Codecs;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Calls.Tests.Direct;

/// <summary>
/// The direct-call actor without sockets: a real <see cref="DirectCallService"/> on a SIP user agent (with digest
/// authentication) of an in-memory network, agent 1001's phone and agent 1002's phone on the same network, fakes of the
/// busy state, location service, media and record sink, every timer on one FakeTimeProvider. Real time is only spent
/// waiting (bounded) for the actor's asynchronous hand-offs.
/// </summary>
public sealed class DirectCallTests : IAsyncDisposable
{
    private const int AcdPort = 5060;
    private const int AlicePort = 5081;
    private const int BobPort = 5082;
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n";
    private const string Answer = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _acd;
    private readonly SipUserAgent _alice;
    private readonly SipUserAgent _bob;
    private readonly FakeAgents _agents = new();
    private readonly ScopedMeters _meters = new();
    private readonly FakeMedia _media;
    private readonly FakeBusy _busy = new();
    private readonly RecordCollector _records = new();
    private readonly ConsultCallRegistry _consults = new();
    private readonly DirectCallService _service;

    public DirectCallTests()
    {
        _media = new FakeMedia(_meters);
        var credentials = new InMemoryDigestCredentialStore();
        credentials.Set(DigestCredential.FromPassword("1001", "acd", "demo1001"));
        credentials.Set(DigestCredential.FromPassword("1002", "acd", "demo1002"));
        var authenticator = new SipDigestAuthenticator(
            new SipDigestOptions { Realm = "acd" },
            new DigestNonceManager(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"), TimeSpan.FromMinutes(5), _net.Time), credentials,
            new SipAuthRateLimiter(new SipAuthRateLimitOptions(), _net.Time));
        _acd = _net.AddAgent(AcdPort, authenticator: authenticator);
        _alice = _net.AddAgent(AlicePort);
        _bob = _net.AddAgent(BobPort);
        _agents.Contacts["a1002"] = [new AgentContact($"sip:1002@127.0.0.1:{BobPort}", LoopbackSipNetwork.PeerOf(BobPort))];
        _service = new DirectCallService(new DirectCallOptions { Node = "test", RingTimeout = TimeSpan.FromSeconds(30) }, new DirectCallDependencies
        {
            UserAgent = _acd,
            Media = _media,
            Agents = _agents,
            Extensions = new Extensions(),
            Busy = _busy,
            Records = _records,
            Time = _net.Time,
            Consults = _consults,
        });
    }

    public async ValueTask DisposeAsync()
    {
        var disposing = _service.DisposeAsync().AsTask();
        Until(() => disposing.IsCompleted, "the service to stop", advance: true);
        await disposing;
        _acd.Dispose();
        _alice.Dispose();
        _bob.Dispose();
        _media.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public void Call_BobAnswersThenAliceHangsUp_BridgedBothBusyThenRestoredAndRecorded()
    {
        var alice = Dial();
        var bob = BobRings(alice);
        AssertCallerId(bob.Invite!);
        Assert.Equal(["mark a1001"], _busy.Log);

        Assert.True(bob.Answer(Encoding.UTF8.GetBytes(Answer)));
        Until(() => alice.State == SipCallState.Answered && _media.Bridged && _busy.Log.Count == 2, "the answer, the bridge and 1002 busy");
        Assert.Equal(["mark a1001", "mark a1002"], _busy.Log);

        alice.Hangup();
        var record = Record();
        Assert.Equal(SipCallState.Ended, bob.State);
        Assert.Equal(["mark a1001", "mark a1002", "restore a1002 token-a1002", "restore a1001 token-a1001"], _busy.Log);
        Assert.True(_media.AllDisposed);
        Assert.Equal(CallOutcome.Answered, record.Outcome);
        Assert.Equal("caller-hangup", record.Reason);
        Assert.Equal("1002", record.DialedNumber);
        Assert.Equal("1001", record.CallerId);
        Assert.Equal("Alice", record.CallerName);
        Assert.Equal("a1002", record.Agent);
        Assert.Null(record.Queue);
        Assert.Equal(["caller", "agent"], record.Legs.Select(l => l.Role));
        Assert.Equal(200, record.Legs[1].Status);
    }

    [Fact]
    public void Call_BobHangsUp_AliceGetsByeAndBothRestored()
    {
        var (alice, bob) = Talking();

        bob.Hangup();
        Assert.Equal("callee-hangup", Record().Reason);
        Assert.Equal(SipCallState.Ended, alice.State);
        Assert.Equal(4, _busy.Log.Count);
    }

    [Theory]
    [InlineData(486, "Busy Here", 486, "callee-busy")]
    [InlineData(603, "Decline", 603, "callee-declined")]
    [InlineData(480, "Temporarily Unavailable", 480, "callee-no-answer")]
    [InlineData(500, "Server Internal Error", 480, "callee-unreachable")]
    public void Call_BobRejects_AliceGetsTheMatchingStatusAndIsRestored(int bobStatus, string phrase, int aliceStatus, string reason)
    {
        var alice = Dial();
        var bob = BobRings(alice);

        Assert.True(bob.Reject(bobStatus, phrase));
        Until(() => alice.State == SipCallState.Ended, "alice's final response");
        Assert.Equal(aliceStatus, Failure(alice));
        var record = Record();
        Assert.Equal(CallOutcome.Failed, record.Outcome);
        Assert.Equal(reason, record.Reason);
        Assert.Equal(bobStatus, record.Legs[1].Status);
        Assert.Equal(["mark a1001", "restore a1001 token-a1001"], _busy.Log);
    }

    [Fact]
    public void Call_BobRingsPastTheRingTimeout_BobCancelledAliceGets480()
    {
        var alice = Dial();
        var bob = BobRings(alice);

        Until(() => alice.State == SipCallState.Ended, "the ring timeout", advance: true);
        Assert.Equal(480, Failure(alice));
        Assert.Equal(SipCallState.Ended, bob.State);
        Assert.Equal("callee-no-answer", Record().Reason);
    }

    [Fact]
    public void Call_AliceCancelsWhileBobRings_BobCancelledAbandoned()
    {
        var alice = Dial();
        var bob = BobRings(alice);

        alice.Hangup();
        var record = Record();
        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
        Assert.Equal("caller-cancelled", record.Reason);
        Assert.Equal(SipCallState.Ended, bob.State);
        Assert.Equal(487, record.Legs[1].Status);
        Assert.Equal(1, _net.CountDelivered("CANCEL ", BobPort));
        Assert.Equal(["mark a1001", "restore a1001 token-a1001"], _busy.Log);
    }

    [Fact]
    public void Call_BobOnAQueueCall_486AndNothingDialled()
    {
        _busy.OnQueueCall["a1002"] = true;
        var alice = Dial();

        Until(() => alice.State == SipCallState.Ended, "the refusal");
        Assert.Equal(486, Failure(alice));
        Assert.Equal("callee-busy", Record().Reason);
        Assert.Equal(0, _net.CountDelivered("INVITE ", BobPort));
        Assert.Empty(_busy.Log);
    }

    [Fact]
    public async Task TakeOverAsync_ReplacesNamingAlicesDialog_HandsBobOverByesAliceAndKeepsBobBusy()
    {
        var (alice, bob) = Talking();
        Assert.Equal(1, _consults.Count);

        // The tags as Alice's phone writes them in Replaces: to-tag the node's, from-tag its own.
        var takeover = _consults.TakeOverAsync(alice.CallId, alice.Dialog!.Id.RemoteTag, alice.LocalTag, "a1001", CancellationToken.None);
        Until(() => takeover.IsCompleted && alice.State == SipCallState.Ended, "the hand-over and Alice's BYE");

        var handover = (await takeover).Handover;
        Assert.NotNull(handover);
        Assert.Equal(("a1002", (object?)"token-a1002", G711Law.MuLaw), (handover.AgentId, handover.BusyToken, handover.Codec));
        Assert.Equal(SipCallState.Answered, bob.State);
        Assert.Equal(bob.CallId, handover.Call.CallId);
        var record = Record();
        Assert.Equal((CallOutcome.Answered, "attended-transfer"), (record.Outcome, record.Reason));
        Assert.Equal("transferred", record.Legs[1].EndReason);
        Assert.Contains(record.Events, e => e.Kind == "attended-transfer");
        Assert.Equal(["mark a1001", "mark a1002", "restore a1001 token-a1001"], _busy.Log);
        Assert.Equal(0, _consults.Count);
        Assert.False(_media.AllDisposed);

        // Bob's events now go to the taker.
        var events = new ConcurrentQueue<SipCallEvent>();
        handover.Redirect(events.Enqueue);
        bob.Hangup();
        Until(() => events.Any(e => e is SipCallEnded), "bob's BYE at the taker");
        await handover.Media.DisposeAsync();
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task TakeOverAsync_UnknownDialogOrOtherAgent_RefusedAndTheCallGoesOn()
    {
        var (alice, bob) = Talking();

        var unknown = await _consults.TakeOverAsync("nope", "a", "b", "a1001", CancellationToken.None);
        var tags = _consults.TakeOverAsync(alice.CallId, "x", alice.LocalTag, "a1001", CancellationToken.None);
        var other = _consults.TakeOverAsync(alice.CallId, alice.Dialog!.Id.RemoteTag, alice.LocalTag, "a1003", CancellationToken.None);
        Until(() => tags.IsCompleted && other.IsCompleted, "the refusals");

        Assert.Equal(ConsultRefusal.UnknownDialog, unknown.Refusal);
        Assert.Equal(ConsultRefusal.UnknownDialog, (await tags).Refusal);
        Assert.Equal(ConsultRefusal.NotTransferable, (await other).Refusal);
        Assert.Equal((SipCallState.Answered, SipCallState.Answered), (alice.State, bob.State));
        alice.Hangup();
        Assert.Equal("caller-hangup", Record().Reason);
    }

    [Fact]
    public void Call_AliceOnAQueueCall_ConsultsBob()
    {
        _busy.OnQueueCall["a1001"] = true;
        var alice = Dial();

        var bob = BobRings(alice);
        Assert.True(bob.Answer(Encoding.UTF8.GetBytes(Answer)));
        Until(() => alice.State == SipCallState.Answered, "the answer");
        alice.Hangup();
        Assert.Equal("caller-hangup", Record().Reason);
    }

    [Fact]
    public void Call_BobNotRegistered_480()
    {
        _agents.Contacts.Clear();
        var alice = Dial();

        Until(() => alice.State == SipCallState.Ended, "the refusal");
        Assert.Equal(480, Failure(alice));
        Assert.Equal("callee-not-registered", Record().Reason);
    }

    [Fact]
    public void Call_AliceAlreadyOnADirectCall_SecondCall486()
    {
        var first = Dial();
        BobRings(first);

        var second = Dial();
        Until(() => second.State == SipCallState.Ended, "the refusal");
        Assert.Equal(486, Failure(second));
        Assert.Equal(1, _net.CountDelivered("INVITE ", BobPort));
    }

    [Fact]
    public void Call_WithoutCredentials_407AndNothingDialledNorRecorded()
    {
        var alice = Dial(authenticate: false);

        Until(() => alice.State == SipCallState.Ended, "the challenge");
        Assert.Equal(407, Failure(alice));
        Until(() => _service.ActiveCalls == 0, "the call to finish");
        Assert.Empty(_records.All);
        Assert.Empty(_busy.Log);
        Assert.Equal(0, _net.CountDelivered("INVITE ", BobPort));
    }

    [Fact]
    public void TryAccept_NumberThatIsNotAnExtension_LeftToTheNumberPlan()
    {
        _alice.Originate(new SipOriginateRequest { Target = $"sip:100@127.0.0.1:{AcdPort}", Destination = LoopbackSipNetwork.PeerOf(AcdPort), Sdp = Encoding.UTF8.GetBytes(Offer) });
        _net.Pump();

        Assert.False(_service.TryAccept(LoopbackSipNetwork.Incoming(_acd, "the ACD")));
    }

    [Theory]
    [InlineData(486, 486)]
    [InlineData(600, 486)]
    [InlineData(603, 603)]
    [InlineData(606, 488)]
    [InlineData(408, 480)]
    [InlineData(487, 480)]
    [InlineData(404, 480)]
    public void MapFailure_CalleeStatus_CallerStatus(int callee, int caller) => Assert.Equal(caller, DirectCall.MapFailure(callee).Status);

    private SipCall Dial(bool authenticate = true) => _alice.Originate(new SipOriginateRequest
    {
        Target = $"sip:1002@127.0.0.1:{AcdPort}",
        Destination = LoopbackSipNetwork.PeerOf(AcdPort),
        From = $"sip:1001@127.0.0.1:{AlicePort}",
        Sdp = Encoding.UTF8.GetBytes(Offer),
        Credentials = authenticate ? new SipDigestClient("1001", "demo1001") : null,
    });

    /// <summary>Alice calls Bob, who answers: both marked busy.</summary>
    private (SipCall Alice, SipCall Bob) Talking()
    {
        var alice = Dial();
        var bob = BobRings(alice);
        Assert.True(bob.Answer(Encoding.UTF8.GetBytes(Answer)));
        Until(() => alice.State == SipCallState.Answered && _busy.Log.Count == 2, "the answer");
        return (alice, bob);
    }

    /// <summary>Bob's phone gets the INVITE and rings; Alice hears the 180.</summary>
    private SipCall BobRings(SipCall alice)
    {
        SipCall? bob = null;
        Until(() => _bob.IncomingCalls.TryRead(out bob), "bob's INVITE");
        Assert.True(bob!.Ring());
        Until(() => alice.Events.TryPeek(out var e) && e is SipCallProvisional { StatusCode: 180 }, "alice's 180");
        return bob;
    }

    private static int Failure(SipCall call) => LoopbackSipNetwork.Drain(call).OfType<SipCallFailed>().Single().StatusCode;

    private CallRecord Record()
    {
        Until(() => _records.All.Count > 0, "the call record");
        return Assert.Single(_records.All);
    }

    private static void AssertCallerId(SipMessage invite)
    {
        Assert.True(invite.TryGetFrom(out var from));
        Assert.Equal("Alice", from.GetDisplayNameString());
        Assert.Equal("sip:1001@127.0.0.1", Encoding.UTF8.GetString(from.Uri));
        Assert.True(invite.TryGetNameAddr(SipHeaderId.PAssertedIdentity, out var identity));
        Assert.Equal("sip:1001@127.0.0.1", Encoding.UTF8.GetString(identity.Uri));
    }

    /// <summary>Pumps, handing the ACD's new INVITEs to the service, until <paramref name="condition"/> holds (5 s at most).</summary>
    private void Until(Func<bool> condition, string what, bool advance = false) =>
        Assert.True(_net.PumpUntil(_acd, call => Assert.True(_service.TryAccept(call)), condition, advance), "timed out waiting for " + what);

    private sealed class Extensions : IAgentExtensions
    {
        public DirectCallAgent? FindByExtension(string extension) => extension switch
        {
            "1001" => new DirectCallAgent("a1001", "1001", "Alice"),
            "1002" => new DirectCallAgent("a1002", "1002", "Bob"),
            _ => null,
        };
    }

    /// <summary>Busy state: agents on a queue call are busy; marks and restores are logged in order.</summary>
    private sealed class FakeBusy : IAgentBusy
    {
        private readonly ConcurrentQueue<string> _log = new();

        public ConcurrentDictionary<string, bool> OnQueueCall { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<string> Log => [.. _log];

        public Task<bool> IsBusyAsync(string agentId, CancellationToken cancellationToken) => Task.FromResult(OnQueueCall.ContainsKey(agentId));

        public Task<object?> MarkBusyAsync(string agentId, CancellationToken cancellationToken)
        {
            _log.Enqueue("mark " + agentId);
            return Task.FromResult<object?>("token-" + agentId);
        }

        public Task RestoreAsync(string agentId, object? token, CancellationToken cancellationToken)
        {
            _log.Enqueue("restore " + agentId + " " + token);
            return Task.CompletedTask;
        }
    }
}
