using System.Collections.Concurrent;
using System.Text;
using Acd.Calls.Features;
using Acd.Calls.Inbound;
using Acd.Calls.Tests.Inbound;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Calls.Tests.Features;

/// <summary>
/// Feature-code calls without sockets: a real <see cref="FeatureCodeService"/> on a digest-authenticating user agent of an
/// in-memory network, agents' phones on the same network (1001 an agent, 1004 a supervisor, 1009 a phone user that is
/// no agent), fakes of routing, dispositions and the call service, every timer on one FakeTimeProvider.
/// </summary>
public sealed class FeatureCodeTests : IAsyncDisposable
{
    private const int AcdPort = 5060;
    private const int PhonePort = 5081;
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _acd;
    private readonly SipUserAgent _phone;
    private readonly ScopedMeters _meters = new();
    private readonly FakeMedia _media;
    private readonly FakeAgentState _agents = new();
    private readonly FakeDispositions _dispositions = new();
    private readonly FakeCallControl _calls = new();
    private readonly FeatureCodeMetrics _metrics;
    private readonly MetricCollector<long> _uses;
    private readonly ConcurrentQueue<FeatureCodeOutcome> _outcomes = new();
    private readonly string _prompts = Directory.CreateTempSubdirectory("acd-features-").FullName;
    private readonly FeatureCodeService _service;

    public FeatureCodeTests()
    {
        _media = new FakeMedia(_meters);
        var credentials = new InMemoryDigestCredentialStore();
        foreach (var user in new[] { "1001", "1004", "1009" })
        {
            credentials.Set(DigestCredential.FromPassword(user, "acd", "demo" + user));
        }

        var authenticator = new SipDigestAuthenticator(
            new SipDigestOptions { Realm = "acd" },
            new DigestNonceManager(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"), TimeSpan.FromMinutes(5), _net.Time), credentials,
            new SipAuthRateLimiter(new SipAuthRateLimitOptions(), _net.Time));
        _acd = _net.AddAgent(AcdPort, authenticator: authenticator);
        _phone = _net.AddAgent(PhonePort);
        _metrics = new FeatureCodeMetrics(_meters);
        _uses = new MetricCollector<long>(_meters, "Acd.Calls.Features", "acd_feature_codes_total");

        // A reason prompt exists for lunch only (an empty file: it is named, not played).
        Directory.CreateDirectory(Path.Combine(_prompts, "features", "reasons"));
        File.WriteAllBytes(Path.Combine(_prompts, "features", "reasons", "lunch.wav"), []);
        _service = new FeatureCodeService(new FeatureCodeOptions { PromptDirectory = _prompts }, new FeatureCodeDependencies
        {
            Media = _media,
            Directory = new FakeDirectory(),
            Agents = _agents,
            Dispositions = _dispositions,
            Calls = () => _calls,
            Prompts = new Acd.Media.Audio.PromptCache(),
            Metrics = _metrics,
            Time = _net.Time,
        });
        _service.Completed += _outcomes.Enqueue;
    }

    public async ValueTask DisposeAsync()
    {
        var disposing = _service.DisposeAsync().AsTask();
        Until(() => disposing.IsCompleted, "the service to stop", advance: true);
        await disposing;
        _uses.Dispose();
        _metrics.Dispose();
        _acd.Dispose();
        _phone.Dispose();
        _media.Dispose();
        _meters.Dispose();
        Directory.Delete(_prompts, recursive: true);
    }

    [Theory]
    [InlineData("*45", FeatureKind.LoginToggle, "")]
    [InlineData("*462", FeatureKind.Pause, "2")]
    [InlineData("*46", FeatureKind.Pause, "")]
    [InlineData("*47", FeatureKind.Available, "")]
    [InlineData("*4815", FeatureKind.Disposition, "15")]
    [InlineData("*901002", FeatureKind.Supervise, "1002")]
    public void Match_DefaultCodes_KindAndArgument(string dialed, FeatureKind kind, string argument)
    {
        var request = new FeatureCodeMap().Match(dialed);

        Assert.NotNull(request);
        Assert.Equal(kind, request.Kind);
        Assert.Equal(argument, request.Argument);
    }

    [Theory]
    [InlineData("100")]
    [InlineData("1002")]
    [InlineData("*451")]
    [InlineData("*4")]
    [InlineData("*46a")]
    [InlineData("*99")]
    public void Match_NotAFeatureCode_Null(string dialed) => Assert.Null(new FeatureCodeMap().Match(dialed));

    [Fact]
    public void Match_ConfiguredCodes_LongestCodeWins()
    {
        var codes = new FeatureCodeMap { Pause = "#7", Supervise = "#70" };

        Assert.Equal(FeatureKind.Supervise, codes.Match("#701002")!.Kind);
        Assert.Equal(FeatureKind.Pause, codes.Match("#72")!.Kind);
        Assert.Null(codes.Match("*46"));
    }

    [Fact]
    public void LoginToggle_LoggedOut_LoggedInConfirmedAndHungUp()
    {
        _agents.States["a1001"] = AgentPresence.LoggedOut;

        var outcome = Dial("*45", "1001");

        Assert.Equal(FeatureResults.Ok, outcome.Result);
        Assert.Equal(["login a1001"], _agents.Log);
        Assert.Equal(["features/logged-in"], outcome.Prompts);
        Assert.Equal(1, Count("*45", "ok"));
    }

    [Fact]
    public void LoginToggle_Available_LoggedOut()
    {
        _agents.States["a1001"] = AgentPresence.Available;

        var outcome = Dial("*45", "1001");

        Assert.Equal(["logout a1001"], _agents.Log);
        Assert.Equal(["features/logged-out"], outcome.Prompts);
    }

    [Fact]
    public void Pause_WithCode_PausedWithTheReasonAndItsPrompt()
    {
        var outcome = Dial("*462", "1001");

        Assert.Equal(FeatureResults.Ok, outcome.Result);
        Assert.Equal("lunch", outcome.Detail);
        Assert.Equal(["pause a1001 lunch"], _agents.Log);
        Assert.Equal(["features/paused", "features/reasons/lunch"], outcome.Prompts);
    }

    [Fact]
    public void Pause_UnknownCode_InvalidCodePromptAndNoChange()
    {
        var outcome = Dial("*469", "1001");

        Assert.Equal(FeatureResults.InvalidCode, outcome.Result);
        Assert.Empty(_agents.Log);
        Assert.Equal(["features/invalid-code"], outcome.Prompts);
        Assert.Equal(1, Count("*46", "invalid_code"));
    }

    [Fact]
    public void Pause_RoutingRefuses_FailedPrompt()
    {
        _agents.Refuse = true;

        var outcome = Dial("*461", "1001");

        Assert.Equal(FeatureResults.Failed, outcome.Result);
        Assert.Equal(["features/failed"], outcome.Prompts);
    }

    [Fact]
    public void Pause_NoCodeDialed_AskedForAndCollectedBySipInfo()
    {
        var phone = Call("*46", "1001");
        Until(() => LoopbackSipNetwork.Drain(phone).OfType<SipCallAnswered>().Any(), "the answer");

        Info(phone, "2");
        Info(phone, "#");
        var outcome = Outcome();

        Assert.Equal(FeatureResults.Ok, outcome.Result);
        Assert.Equal(["pause a1001 lunch"], _agents.Log);
        Assert.Equal(["features/enter-code", "features/paused", "features/reasons/lunch"], outcome.Prompts);
        Until(() => phone.State == SipCallState.Ended, "our BYE");
    }

    [Fact]
    public void Pause_NoCodeDialedNoneEntered_NoInputAfterTheDigitTimeout()
    {
        var phone = Call("*46", "1001");
        Until(() => LoopbackSipNetwork.Drain(phone).OfType<SipCallAnswered>().Any(), "the answer");
        _net.Time.Advance(TimeSpan.FromSeconds(7));
        Until(() => true, "a pump");
        Assert.Empty(_outcomes);

        _net.Time.Advance(TimeSpan.FromSeconds(2));
        var outcome = Outcome();

        Assert.Equal(FeatureResults.NoInput, outcome.Result);
        Assert.Empty(_agents.Log);
    }

    [Fact]
    public void Pause_CallerHangsUpWhileAsked_HungUpAndNoChange()
    {
        var phone = Call("*46", "1001");
        Until(() => LoopbackSipNetwork.Drain(phone).OfType<SipCallAnswered>().Any(), "the answer");

        phone.Hangup();

        Assert.Equal(FeatureResults.HungUp, Outcome().Result);
        Assert.Empty(_agents.Log);
        Until(() => _service.ActiveCalls == 0 && _media.AllDisposed, "the media to be released");
    }

    [Fact]
    public void Available_MadeAvailable()
    {
        var outcome = Dial("*47", "1001");

        Assert.Equal(["available a1001"], _agents.Log);
        Assert.Equal(["features/available"], outcome.Prompts);
    }

    [Fact]
    public void Disposition_InWrapUp_Saved()
    {
        _dispositions.Open.Add("a1001");

        var outcome = Dial("*481", "1001");

        Assert.Equal(FeatureResults.Ok, outcome.Result);
        Assert.Equal("resolved", _dispositions.Saved["a1001"]);
        Assert.Equal(["features/disposition-saved"], outcome.Prompts);
    }

    [Fact]
    public void Disposition_NoRecentCall_NoCallPrompt()
    {
        var outcome = Dial("*481", "1001");

        Assert.Equal(FeatureResults.NoCall, outcome.Result);
        Assert.Empty(_dispositions.Saved);
        Assert.Equal(["features/no-call"], outcome.Prompts);
    }

    [Fact]
    public void Supervise_NotASupervisor_403BeforeAnsweringAndNothingJoined()
    {
        var phone = Call("*901002", "1001");
        var outcome = Outcome();

        Assert.Equal(FeatureResults.NotAllowed, outcome.Result);
        Until(() => phone.State == SipCallState.Ended, "the refusal");
        Assert.Contains(LoopbackSipNetwork.Drain(phone), e => e is SipCallFailed { StatusCode: 403 });
        Assert.Empty(_calls.Supervised);
        Assert.Equal(0, _media.Created);
        Assert.Equal(1, Count("*90", "not_allowed"));
    }

    [Fact]
    public void Supervise_Supervisor_CallHandedToTheCallServiceInListenMode()
    {
        _calls.Live["a1002"] = "call-7";

        var phone = Call("*901002", "1004");
        var outcome = Outcome();

        Assert.Equal(FeatureResults.Ok, outcome.Result);
        var (callId, supervisor, call, mode) = Assert.Single(_calls.Supervised);
        Assert.Equal(("call-7", "a1004", SupervisionMode.Listen), (callId, supervisor, mode));
        Assert.Equal(phone.CallId, call.CallId);
        Assert.Equal(SipCallState.Setup, call.State); // the call service answers it, not us
    }

    [Fact]
    public void Supervise_AgentNotOnACall_AnsweredAndTold()
    {
        var outcome = Dial("*901002", "1004");

        Assert.Equal(FeatureResults.NotFound, outcome.Result);
        Assert.Equal(["features/not-on-call"], outcome.Prompts);
        Assert.Empty(_calls.Supervised);
    }

    [Fact]
    public void AnyCode_AuthenticatedUserNotAnAgent_403()
    {
        var phone = Call("*45", "1009");

        Assert.Equal(FeatureResults.NotAnAgent, Outcome().Result);
        Until(() => phone.State == SipCallState.Ended, "the refusal");
        Assert.Contains(LoopbackSipNetwork.Drain(phone), e => e is SipCallFailed { StatusCode: 403 });
        Assert.Empty(_agents.Log);
    }

    [Fact]
    public void AnyCode_WrongPassword_403AndNothingDoneOrCounted()
    {
        var phone = Call("*45", "1001", password: "wrong");
        Until(() => phone.State == SipCallState.Ended, "the refusal");

        Assert.Contains(LoopbackSipNetwork.Drain(phone), e => e is SipCallFailed { StatusCode: 403 });
        Until(() => _service.ActiveCalls == 0, "the calls to finish");
        Assert.Empty(_outcomes);
        Assert.Empty(_agents.Log);
        Assert.Empty(_uses.GetMeasurementSnapshot());
    }

    [Fact]
    public void TryAccept_NotAFeatureCode_False()
    {
        var phone = _phone.Originate(Request("1002", null));
        SipCall? incoming = null;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            _net.Pump();
            return _acd.IncomingCalls.TryRead(out incoming);
        }, TimeSpan.FromSeconds(5)));

        Assert.False(_service.TryAccept(incoming!));
        incoming!.Reject(404, "Not Found");
        Until(() => phone.State == SipCallState.Ended, "the 404");
    }

    /// <summary>Dials <paramref name="dialed"/> as <paramref name="user"/>, waits for the outcome and our BYE.</summary>
    private FeatureCodeOutcome Dial(string dialed, string user)
    {
        var phone = Call(dialed, user);
        var outcome = Outcome();
        Until(() => phone.State == SipCallState.Ended, "our BYE");
        Assert.Contains(LoopbackSipNetwork.Drain(phone), e => e is SipCallAnswered);
        return outcome;
    }

    private SipCall Call(string dialed, string user, string? password = null) =>
        _phone.Originate(Request(dialed, new SipDigestClient(user, password ?? "demo" + user)));

    private static SipOriginateRequest Request(string dialed, SipDigestClient? credentials) => new()
    {
        Target = $"sip:{dialed}@127.0.0.1:{AcdPort}",
        Destination = LoopbackSipNetwork.PeerOf(AcdPort),
        From = $"sip:1001@127.0.0.1:{PhonePort}",
        Sdp = Encoding.UTF8.GetBytes(Offer),
        Credentials = credentials,
    };

    private void Info(SipCall phone, string digit)
    {
        var sent = phone.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes($"Signal={digit}\r\nDuration=160\r\n"));
        Until(() => sent.IsCompleted, "the INFO's answer");
        Assert.Equal(200, sent.Result);
    }

    private FeatureCodeOutcome Outcome()
    {
        Until(() => !_outcomes.IsEmpty, "the feature code's outcome", advance: true);
        return Assert.Single(_outcomes);
    }

    private long Count(string code, string result) => _uses.GetMeasurementSnapshot()
        .Where(m => (string?)m.Tags["code"] == code && (string?)m.Tags["result"] == result).Sum(m => m.Value);

    /// <summary>Pumps, handing the ACD's new INVITEs to the service, until <paramref name="condition"/> holds (5 s at most).</summary>
    private void Until(Func<bool> condition, string what, bool advance = false) =>
        Assert.True(_net.PumpUntil(_acd, call => Assert.True(_service.TryAccept(call)), condition, advance), "timed out waiting for " + what);

    private sealed class FakeDirectory : IFeatureDirectory
    {
        public FeatureCodeMap Codes { get; } = new();

        public FeatureAgent? FindByExtension(string extension) => extension switch
        {
            "1001" => new FeatureAgent("a1001", "1001", false),
            "1002" => new FeatureAgent("a1002", "1002", false),
            "1004" => new FeatureAgent("a1004", "1004", true),
            _ => null,
        };

        public string? PauseReason(string code) => code switch { "1" => "break", "2" => "lunch", _ => null };

        public string? Disposition(string code) => code == "1" ? "resolved" : null;
    }

    private sealed class FakeAgentState : IAgentStateControl
    {
        private readonly ConcurrentQueue<string> _log = new();

        public ConcurrentDictionary<string, AgentPresence> States { get; } = new(StringComparer.Ordinal);

        public bool Refuse { get; set; }

        public IReadOnlyList<string> Log => [.. _log];

        public Task<AgentPresence?> GetAsync(string agentId, CancellationToken cancellationToken) =>
            Task.FromResult<AgentPresence?>(States.TryGetValue(agentId, out var s) ? s : null);

        public Task<CallControlResult> LoginAsync(string agentId, CancellationToken cancellationToken) => Do("login " + agentId);

        public Task<CallControlResult> LogoutAsync(string agentId, CancellationToken cancellationToken) => Do("logout " + agentId);

        public Task<CallControlResult> PauseAsync(string agentId, string reason, CancellationToken cancellationToken) => Do($"pause {agentId} {reason}");

        public Task<CallControlResult> MakeAvailableAsync(string agentId, CancellationToken cancellationToken) => Do("available " + agentId);

        private Task<CallControlResult> Do(string what)
        {
            if (Refuse)
            {
                return Task.FromResult(CallControlResult.Fail(CallControlError.InvalidState, "an agent cannot go from OnCall to Paused"));
            }

            _log.Enqueue(what);
            return Task.FromResult(CallControlResult.Ok);
        }
    }

    private sealed class FakeDispositions : IAgentDispositions
    {
        public ConcurrentBag<string> Open { get; } = [];

        public ConcurrentDictionary<string, string> Saved { get; } = new(StringComparer.Ordinal);

        public bool SetDisposition(string agentId, string disposition) => Open.Contains(agentId) && Saved.TryAdd(agentId, disposition);
    }

    /// <summary>Live calls by agent; supervision requests are recorded and succeed (the real service would answer the call).</summary>
    private sealed class FakeCallControl : ICallControl
    {
        public ConcurrentDictionary<string, string> Live { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<(string CallId, string Supervisor, SipCall Call, SupervisionMode Mode)> Supervised { get; } = new();

        public bool Draining => false;

        public IReadOnlyList<ActiveCallInfo> ActiveCalls() => [];

        public ActiveCallInfo? Find(string callId) => null;

        public ActiveCallInfo? FindByAgent(string agentId) => Live.TryGetValue(agentId, out var id)
            ? new ActiveCallInfo(id, "5551234", null, "100", ActiveCallState.Talking, "support", agentId, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [])
            : null;

        public Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken)
        {
            Supervised.Enqueue((callId, supervisorId, supervisorCall, mode));
            return Task.FromResult(CallControlResult.Ok);
        }

        public Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
