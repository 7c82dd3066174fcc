using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>
/// <see cref="SipCall.AuthenticateAsync"/>: the call layer asks the UA to authenticate an incoming INVITE before answering
/// (agents calling each other). No credentials: 407 with Proxy-Authenticate; valid ones on the retried INVITE: the user;
/// wrong ones: 403. Caller and callee are two user agents on the in-memory network.
/// </summary>
public sealed class SipCallAuthenticationTests
{
    private const int Phone = 5081;
    private const int Server = 5082;
    private static readonly byte[] Offer = Encoding.ASCII.GetBytes("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _phone;
    private readonly SipUserAgent _server;

    public SipCallAuthenticationTests()
    {
        var store = new InMemoryDigestCredentialStore();
        store.Set(DigestCredential.FromPassword("1001", "acd", "demo1001"));
        var authenticator = new SipDigestAuthenticator(
            new SipDigestOptions { Realm = "acd", Algorithms = [DigestAlgorithm.Md5] },
            new DigestNonceManager(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"), TimeSpan.FromMinutes(5), _net.Time), store,
            new SipAuthRateLimiter(new SipAuthRateLimitOptions(), _net.Time));
        _phone = _net.AddAgent(Phone);
        _server = _net.AddAgent(Server, authenticator: authenticator);
    }

    private SipCall Dial(SipDigestClient? credentials) => _phone.Originate(new SipOriginateRequest
    {
        Target = $"sip:1002@127.0.0.1:{Server}",
        Destination = LoopbackSipNetwork.PeerOf(Server),
        From = $"sip:1001@127.0.0.1:{Phone}",
        Sdp = Offer,
        Credentials = credentials,
    });

    private SipCall Incoming() => LoopbackSipNetwork.Incoming(_server, "the server");

    private static List<SipCallEvent> Drain(SipCall call) => LoopbackSipNetwork.Drain(call);

    [Fact]
    public async Task AuthenticateAsync_NoCredentials_Rejects407WithProxyAuthenticateAndReturnsNull()
    {
        var caller = Dial(credentials: null);
        _net.Pump();
        var incoming = Incoming();

        Assert.Null(await incoming.AuthenticateAsync());
        _net.Pump();

        var challenge = Assert.Single(_net.Delivered, d => d.StartsWith("SIP/2.0 407 ", StringComparison.Ordinal));
        Assert.Contains("Proxy-Authenticate: Digest realm=\"acd\"", challenge, StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", challenge, StringComparison.Ordinal);
        Assert.Equal(SipCallState.Ended, incoming.State);
        Assert.Equal(407, Assert.IsType<SipCallFailed>(Drain(caller)[0]).StatusCode);
        Assert.Equal(1, _net.CountDelivered("ACK ")); // the ACK of the 407 completes the server transaction
    }

    [Fact]
    public async Task AuthenticateAsync_ValidCredentialsOnRetriedInvite_ReturnsUserAndCallCanBeAnswered()
    {
        var caller = Dial(new SipDigestClient("1001", "demo1001"));
        _net.Pump();
        Assert.Null(await Incoming().AuthenticateAsync());
        _net.Pump();

        var retried = Incoming();
        Assert.Contains("Proxy-Authorization: Digest ", Encoding.UTF8.GetString(retried.Invite!.Buffer.Span), StringComparison.Ordinal);
        Assert.Equal("1001", await retried.AuthenticateAsync());
        Assert.Equal(SipCallState.Setup, retried.State);
        Assert.True(retried.Answer(Offer));
        _net.Pump();

        Assert.IsType<SipCallAnswered>(Assert.Single(Drain(caller)));
        Assert.Equal(SipCallState.Answered, caller.State);
    }

    [Fact]
    public async Task AuthenticateAsync_WrongPassword_Rejects403()
    {
        var caller = Dial(new SipDigestClient("1001", "wrong"));
        _net.Pump();
        Assert.Null(await Incoming().AuthenticateAsync());
        _net.Pump();

        var retried = Incoming();
        Assert.Null(await retried.AuthenticateAsync());
        _net.Pump();

        Assert.Equal(SipCallState.Ended, retried.State);
        Assert.Equal(403, Assert.IsType<SipCallFailed>(Drain(caller)[0]).StatusCode);
        Assert.Equal(1, _net.CountDelivered("SIP/2.0 403 "));
    }

    [Fact]
    public async Task AuthenticateAsync_UserAgentWithoutAuthenticator_Throws()
    {
        var plain = _net.AddAgent(5083);
        _phone.Originate(new SipOriginateRequest { Target = "sip:1002@127.0.0.1:5083", Destination = LoopbackSipNetwork.PeerOf(5083), Sdp = Offer });
        _net.Pump();
        Assert.True(plain.IncomingCalls.TryRead(out var incoming));

        await Assert.ThrowsAsync<InvalidOperationException>(() => incoming.AuthenticateAsync());
    }
}
