using System.Text;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>RFC 3261 12.1.1: the UAS copies Record-Route into its dialog-creating responses, in order.</summary>
public sealed class SipRecordRouteTests
{
    private const int A = 5071;
    private const int B = 5072;
    private static readonly byte[] Offer = Encoding.ASCII.GetBytes("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes("v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n");

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _a;
    private readonly SipUserAgent _b;

    public SipRecordRouteTests()
    {
        _a = _net.AddAgent(A);
        _b = _net.AddAgent(B);
    }

    [Fact]
    public void Answer_InviteWithRecordRoute_ProvisionalAndOkCopyItInOrder()
    {
        _a.Originate(new SipOriginateRequest
        {
            Target = $"sip:agent@127.0.0.1:{B}",
            Destination = LoopbackSipNetwork.PeerOf(B),
            From = $"sip:acd@127.0.0.1:{A}",
            Sdp = Offer,
            Headers = [new SipHeader("Record-Route", "<sip:10.0.0.1;lr;ftag=x>"), new SipHeader("Record-Route", $"<sip:127.0.0.1:{B};lr>")],
        });
        _net.Pump();
        var callee = LoopbackSipNetwork.Incoming(_b, "B");
        callee.Ring();
        callee.Answer(Answer);
        _net.Pump();

        foreach (var start in new[] { "SIP/2.0 180 ", "SIP/2.0 200 " })
        {
            var response = _net.Delivered.First(d => d.StartsWith(start, StringComparison.Ordinal));
            var first = response.IndexOf("Record-Route: <sip:10.0.0.1;lr;ftag=x>\r\n", StringComparison.Ordinal);
            var second = response.IndexOf($"Record-Route: <sip:127.0.0.1:{B};lr>\r\n", StringComparison.Ordinal);
            Assert.True(first > 0 && second > first, response);
        }

        Assert.Equal(["<sip:10.0.0.1;lr;ftag=x>", $"<sip:127.0.0.1:{B};lr>"], callee.Dialog!.RouteSet);
    }

    [Fact]
    public void Answer_InviteWithoutRecordRoute_NoRecordRouteInOk()
    {
        _a.Originate(new SipOriginateRequest
        {
            Target = $"sip:agent@127.0.0.1:{B}",
            Destination = LoopbackSipNetwork.PeerOf(B),
            From = $"sip:acd@127.0.0.1:{A}",
            Sdp = Offer,
        });
        _net.Pump();
        LoopbackSipNetwork.Incoming(_b, "B").Answer(Answer);
        _net.Pump();

        Assert.DoesNotContain("Record-Route", _net.Delivered.First(d => d.StartsWith("SIP/2.0 200 ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }
}
