using System.Globalization;
using System.Net;
using System.Text;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Benchmarks.Signalling;

/// <summary>
/// CPU and allocations of the SIP signalling core per transaction, without sockets: the UA core parses, runs the
/// transaction layer (real TimeProvider timers), validates, answers and "sends" to a sink. Each operation uses a
/// fresh branch and Call-ID so every request is a new transaction, as under load.
/// </summary>
[MemoryDiagnoser]
public class SignallingBenchmarks
{
    private static readonly SipPeer Peer = new(new IPEndPoint(IPAddress.Loopback, 5070), SipTransportProtocol.Udp, 1);
    private readonly Sink _sink = new();
    private SipUserAgent _ua = null!;
    private byte[] _options = null!;
    private byte[] _invite = null!;
    private int _optionsAt;
    private int _callAt;
    private long _counter;
    private byte[] _ha1 = null!;

    private sealed class Sink : ISipSender
    {
        public string LastToTag { get; private set; } = string.Empty;

        public bool CaptureTag { get; set; }

        public void Send(ReadOnlyMemory<byte> message, in SipPeer destination)
        {
            if (CaptureTag)
            {
                var text = Encoding.ASCII.GetString(message.Span);
                var to = text.IndexOf("\r\nTo: ", StringComparison.Ordinal);
                var tag = text.IndexOf(";tag=", to, StringComparison.Ordinal);
                LastToTag = text.Substring(tag + 5, 16);
            }
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _ua = new SipUserAgent(new SipUserAgentOptions { AutoAnswer = true, AuthenticateRegister = false }, _sink, TimeProvider.System, NullLogger<SipUserAgent>.Instance);
        _options = Message("OPTIONS", string.Empty, 1, "OPTIONS", out _optionsAt);
        _invite = Message("INVITE", string.Empty, 1, "INVITE", out _callAt, "Content-Type: application/sdp\r\n", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
        _ha1 = DigestMath.Ha1(DigestAlgorithm.Md5, "1001", "acd", "s3cret");
    }

    /// <summary>A request template whose branch and Call-ID share a 12-digit slot patched per operation.</summary>
    private static byte[] Message(string method, string toTag, int cseq, string cseqMethod, out int slot, string extra = "", string body = "")
    {
        var text = $"{method} sip:acd@127.0.0.1 SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK000000000000;rport\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: <sip:sipp@127.0.0.1:5070>;tag=1234\r\n" +
            $"To: <sip:acd@127.0.0.1>{toTag}\r\n" +
            "Call-ID: 000000000000@127.0.0.1\r\n" +
            $"CSeq: {cseq} {cseqMethod}\r\n" +
            "Contact: <sip:sipp@127.0.0.1:5070>\r\n" +
            extra +
            $"Content-Length: {body.Length}\r\n\r\n" + body;
        slot = text.IndexOf("z9hG4bK", StringComparison.Ordinal) + 7;
        return Encoding.ASCII.GetBytes(text);
    }

    private static byte[] Patch(byte[] template, int slot, long branch, long call)
    {
        var copy = (byte[])template.Clone();
        Span<byte> digits = stackalloc byte[12];
        branch.TryFormat(digits, out _, "D12", CultureInfo.InvariantCulture);
        digits.CopyTo(copy.AsSpan(slot, 12));
        call.TryFormat(digits, out _, "D12", CultureInfo.InvariantCulture);
        var callId = copy.AsSpan().IndexOf("Call-ID: "u8) + 9;
        digits.CopyTo(copy.AsSpan(callId, 12));
        return copy;
    }

    [Benchmark]
    public bool OptionsTransaction()
    {
        var n = ++_counter;
        return _ua.Receive(Patch(_options, _optionsAt, n, n), Peer, SipFraming.Datagram);
    }

    [Benchmark]
    public bool InviteAckByeCall()
    {
        var n = ++_counter;
        _sink.CaptureTag = true;
        _ua.Receive(Patch(_invite, _callAt, n, n), Peer, SipFraming.Datagram);
        _sink.CaptureTag = false;
        var tag = ";tag=" + _sink.LastToTag;
        _ua.Receive(Patch(Message("ACK", tag, 1, "ACK", out var ackAt), ackAt, n + 100_000_000_000, n), Peer, SipFraming.Datagram);
        return _ua.Receive(Patch(Message("BYE", tag, 2, "BYE", out var byeAt), byeAt, n + 200_000_000_000, n), Peer, SipFraming.Datagram);
    }

    [Benchmark]
    public bool DigestResponseMd5()
    {
        var response = DigestMath.Response(DigestAlgorithm.Md5, _ha1, "REGISTER", "sip:127.0.0.1", "abcdefabcdefabcdefabcdefabcdefabcdefabcdefab", "00000001", "0a4f113b", "auth");
        return response.Length == 32;
    }

    [GlobalCleanup]
    public void Cleanup() => _ua.Dispose();
}
