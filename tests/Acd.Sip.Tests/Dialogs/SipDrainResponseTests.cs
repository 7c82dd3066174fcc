using System.Text;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>What a draining node answers: OPTIONS 503 with Retry-After while <see cref="SipUserAgent.UnavailableRetryAfter"/> is set, INVITEs rejected with extra headers.</summary>
public sealed class SipDrainResponseTests
{
    private const int Node = 5061;
    private const int Proxy = 5070;
    private const int Phone = 5062;

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _node;

    public SipDrainResponseTests()
    {
        _node = _net.AddAgent(Node);
        _net.AddResponder(Proxy, _ => []);
    }

    [Fact]
    public void Options_UnavailableSetThenCleared_503WithRetryAfterThen200()
    {
        _node.UnavailableRetryAfter = TimeSpan.FromSeconds(29.2);
        Probe(1);
        Assert.Equal(TimeSpan.FromSeconds(30), _node.UnavailableRetryAfter);
        _node.UnavailableRetryAfter = null;
        Probe(2);

        var answers = _net.DeliveredTo(Proxy);
        Assert.Equal(2, answers.Count);
        Assert.StartsWith("SIP/2.0 503 Service Unavailable\r\n", answers[0], StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 30\r\n", answers[0], StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answers[1], StringComparison.Ordinal);
        Assert.DoesNotContain("Retry-After", answers[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Reject_WithHeaders_FinalResponseCarriesThem()
    {
        var phone = _net.AddAgent(Phone);
        var call = phone.Originate(new SipOriginateRequest
        {
            Target = $"sip:100@127.0.0.1:{Node}",
            Destination = LoopbackSipNetwork.PeerOf(Node),
            From = $"sip:caller@127.0.0.1:{Phone}",
            Sdp = Encoding.ASCII.GetBytes("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"),
        });
        _net.Pump();

        Assert.True(LoopbackSipNetwork.Incoming(_node).Reject(503, "Service Unavailable", [new SipHeader("Retry-After", "30")]));
        _net.Pump();

        var rejection = Assert.Single(_net.DeliveredTo(Phone), m => m.StartsWith("SIP/2.0 503 ", StringComparison.Ordinal));
        Assert.Contains("\r\nRetry-After: 30\r\n", rejection, StringComparison.Ordinal);
        Assert.Contains(LoopbackSipNetwork.Drain(call), e => e is SipCallFailed { StatusCode: 503 });
    }

    private void Probe(int cseq)
    {
        var options = $"OPTIONS sip:127.0.0.1:{Node} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{Proxy};branch=z9hG4bK-probe{cseq}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:kamailio@127.0.0.1>;tag=p{cseq}\r\nTo: <sip:127.0.0.1:{Node}>\r\nCall-ID: probe-{cseq}\r\nCSeq: {cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n";
        _node.Receive(Encoding.ASCII.GetBytes(options), LoopbackSipNetwork.PeerOf(Proxy), SipFraming.Datagram);
        _net.Pump();
    }
}
