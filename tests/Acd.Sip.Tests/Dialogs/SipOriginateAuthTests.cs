using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>The UAC answers a 401/407 to its INVITE with digest credentials (outbound trunks).</summary>
public sealed class SipOriginateAuthTests
{
    private const int A = 5071;
    private const int Trunk = 5072;

    /// <summary>Copies Via, From, To (+tag), Call-ID and CSeq of a request into a response.</summary>
    private static string Reply(string request, string statusLine, string extra = "")
    {
        var lines = request.Split("\r\n");
        string Header(string name) => lines.First(l => l.StartsWith(name + ": ", StringComparison.Ordinal));
        return statusLine + "\r\n" + Header("Via") + "\r\n" + Header("From") + "\r\n" + Header("To") + ";tag=trunk\r\n" +
            Header("Call-ID") + "\r\n" + Header("CSeq") + "\r\n" + extra + "Content-Length: 0\r\n\r\n";
    }

    [Theory]
    [InlineData(401, "WWW-Authenticate", "Authorization")]
    [InlineData(407, "Proxy-Authenticate", "Proxy-Authorization")]
    public void Originate_Challenged_RetriesWithCredentialsAndCSeqPlusOne(int status, string challengeHeader, string answerHeader)
    {
        var net = new LoopbackSipNetwork();
        var ua = net.AddAgent(A);
        var time = new FakeTimeProvider();
        var store = new InMemoryDigestCredentialStore();
        store.Set(DigestCredential.FromPassword("trunkuser", "carrier", "pw"));
        var auth = new SipDigestAuthenticator(new SipDigestOptions { Realm = "carrier" },
            new DigestNonceManager(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"), TimeSpan.FromMinutes(5), time), store,
            new SipAuthRateLimiter(new SipAuthRateLimitOptions(), time));
        var verified = new List<DigestOutcome>();
        net.AddResponder(Trunk, request =>
        {
            if (!request.StartsWith("INVITE ", StringComparison.Ordinal))
            {
                return [];
            }

            var credentials = request.Split("\r\n").Where(l => l.StartsWith(answerHeader + ": ", StringComparison.Ordinal)).Select(l => l[(answerHeader.Length + 2)..]).ToList();
            if (credentials.Count == 0)
            {
                return [Reply(request, $"SIP/2.0 {status} Auth", string.Concat(auth.Challenges().Select(c => $"{challengeHeader}: {c}\r\n")))];
            }

            var verification = auth.VerifyAsync(credentials, "INVITE", "127.0.0.1");
            Assert.True(verification.IsCompleted); // the in-memory store answers synchronously
            var outcome = verification.Result.Outcome;
            verified.Add(outcome);
            Assert.Contains("CSeq: 2 INVITE", request, StringComparison.Ordinal);
            return [Reply(request, outcome == DigestOutcome.Authenticated ? "SIP/2.0 200 OK" : "SIP/2.0 403 Forbidden", $"Contact: <sip:trunk@127.0.0.1:{Trunk}>\r\n")];
        });

        var call = ua.Originate(new SipOriginateRequest
        {
            Target = $"sip:+15551234@127.0.0.1:{Trunk}",
            Destination = LoopbackSipNetwork.PeerOf(Trunk),
            Sdp = Encoding.ASCII.GetBytes("v=0\r\n"),
            Credentials = new SipDigestClient("trunkuser", "pw"),
        });
        net.Pump();

        Assert.Equal([DigestOutcome.Authenticated], verified);
        Assert.True(call.Events.TryRead(out var answered));
        Assert.IsType<SipCallAnswered>(answered);
        Assert.Equal(2, net.CountDelivered("ACK ")); // ACK for the challenge, ACK for the 2xx
    }

    [Fact]
    public void Originate_ChallengedWithoutCredentials_Fails401()
    {
        var net = new LoopbackSipNetwork();
        var ua = net.AddAgent(A);
        net.AddResponder(Trunk, request => request.StartsWith("INVITE ", StringComparison.Ordinal)
            ? [Reply(request, "SIP/2.0 401 Unauthorized", "WWW-Authenticate: Digest realm=\"carrier\", nonce=\"abc\", qop=\"auth\"\r\n")]
            : []);
        var call = ua.Originate(new SipOriginateRequest { Target = $"sip:x@127.0.0.1:{Trunk}", Destination = LoopbackSipNetwork.PeerOf(Trunk) });
        net.Pump();
        Assert.True(call.Events.TryRead(out var failed));
        Assert.Equal(401, Assert.IsType<SipCallFailed>(failed).StatusCode);
    }
}
