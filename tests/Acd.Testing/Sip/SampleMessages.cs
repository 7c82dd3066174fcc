using System.Text;

namespace Acd.Testing.Sip;

/// <summary>Typical messages from phones and trunks, used by parser tests, benchmarks and the fuzzer.</summary>
public static class SampleMessages
{
    private const string Sdp =
        "v=0\r\n" +
        "o=- 3912834723 3912834723 IN IP4 192.0.2.10\r\n" +
        "s=Acd\r\n" +
        "c=IN IP4 192.0.2.10\r\n" +
        "t=0 0\r\n" +
        "m=audio 40000 RTP/AVP 0 8 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-16\r\n";

    /// <summary>An INVITE with SDP from a desk phone through one proxy (906 bytes, like the 905-byte INVITE of the quoted SIPSorcery figures).</summary>
    public static byte[] Invite { get; } = Encoding.ASCII.GetBytes(
        "INVITE sip:4001@pbx.example.com;transport=udp SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---8b1c2d3e4f5a6b7c;rport\r\n" +
        "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;received=198.51.100.7\r\n" +
        "Max-Forwards: 69\r\n" +
        "Record-Route: <sip:198.51.100.7;lr>\r\n" +
        "Contact: <sip:1001@192.0.2.10:5060;transport=udp>\r\n" +
        "To: <sip:4001@pbx.example.com>\r\n" +
        "From: \"Alice Agent\" <sip:1001@pbx.example.com>;tag=9fxced76sl\r\n" +
        "Call-ID: 3848276298220188511@192.0.2.10\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Supported: replaces, norefersub, timer\r\n" +
        "User-Agent: Acme SoftPhone 5.1.2\r\n" +
        "Content-Length: " + Sdp.Length + "\r\n" +
        "\r\n" + Sdp);

    /// <summary>The 200 OK answering <see cref="Invite"/>.</summary>
    public static byte[] Ok200 { get; } = Encoding.ASCII.GetBytes(
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---8b1c2d3e4f5a6b7c;rport=5060;received=192.0.2.10\r\n" +
        "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;received=198.51.100.7\r\n" +
        "Record-Route: <sip:198.51.100.7;lr>\r\n" +
        "Contact: <sip:4001@203.0.113.5:5060>\r\n" +
        "To: <sip:4001@pbx.example.com>;tag=a6c85cf\r\n" +
        "From: \"Alice Agent\" <sip:1001@pbx.example.com>;tag=9fxced76sl\r\n" +
        "Call-ID: 3848276298220188511@192.0.2.10\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n");

    /// <summary>A REGISTER retried with digest credentials.</summary>
    public static byte[] Register { get; } = Encoding.ASCII.GetBytes(
        "REGISTER sip:pbx.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a8b9c0d1e2f3;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "Contact: <sip:1001@192.0.2.10:5060;rinstance=8a1b2c3d4e5f6a7b;transport=udp>;expires=3600\r\n" +
        "To: <sip:1001@pbx.example.com>\r\n" +
        "From: <sip:1001@pbx.example.com>;tag=4c7f2a91\r\n" +
        "Call-ID: ZmQ0YjE5N2Q1ZjYyMmI2Y2M4NmM0ZTg0ZjE3\r\n" +
        "CSeq: 2 REGISTER\r\n" +
        "Expires: 3600\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n" +
        "User-Agent: Acme SoftPhone 5.1.2\r\n" +
        "Authorization: Digest username=\"1001\",realm=\"pbx.example.com\",nonce=\"6a1b2c3d4e5f60718293a4b5c6d7e8f9\"," +
        "uri=\"sip:pbx.example.com\",response=\"0a4f113b9c3d2e1f5a6b7c8d9e0f1a2b\",cnonce=\"0a4f113b\",nc=00000001,qop=auth,algorithm=MD5\r\n" +
        "Allow-Events: presence, kpml, talk\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n");

    /// <summary>All samples.</summary>
    public static IReadOnlyList<byte[]> All { get; } = [Invite, Ok200, Register];
}
