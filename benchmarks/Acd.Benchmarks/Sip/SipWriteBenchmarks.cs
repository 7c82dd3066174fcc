using System.Buffers;
using Acd.Sip;
using Acd.Sip.Writing;
using Acd.Testing.Sip;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Sip;

/// <summary>Serialising messages into a reused <see cref="ArrayBufferWriter{T}"/>.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SipWriteBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private SipMessage _invite = null!;
    private byte[] _sdp = null!;

    [GlobalSetup]
    public void Setup()
    {
        SipMessageParser.TryParse(SampleMessages.Invite, out var m, out _);
        _invite = m!;
        _sdp = _invite.Body.ToArray();
    }

    [Benchmark(Baseline = true, Description = "write INVITE+SDP from fields")]
    public int WriteInvite()
    {
        _output.ResetWrittenCount();
        var w = new SipMessageWriter(_output);
        w.WriteRequestLine("INVITE"u8, "sip:4001@pbx.example.com;transport=udp"u8);
        w.WriteHeader(SipHeaderId.Via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---8b1c2d3e4f5a6b7c;rport"u8);
        w.WriteHeader(SipHeaderId.Via, "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;received=198.51.100.7"u8);
        w.WriteHeader(SipHeaderId.MaxForwards, 69u);
        w.WriteHeader(SipHeaderId.RecordRoute, "<sip:198.51.100.7;lr>"u8);
        w.WriteHeader(SipHeaderId.Contact, "<sip:1001@192.0.2.10:5060;transport=udp>"u8);
        w.WriteHeader(SipHeaderId.To, "<sip:4001@pbx.example.com>"u8);
        w.WriteHeader(SipHeaderId.From, "\"Alice Agent\" <sip:1001@pbx.example.com>;tag=9fxced76sl"u8);
        w.WriteHeader(SipHeaderId.CallId, "3848276298220188511@192.0.2.10"u8);
        w.WriteCSeq(314159, "INVITE"u8);
        w.WriteHeader(SipHeaderId.Allow, "INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE"u8);
        w.WriteHeader(SipHeaderId.ContentType, "application/sdp"u8);
        w.WriteHeader(SipHeaderId.Supported, "replaces, norefersub, timer"u8);
        w.WriteHeader(SipHeaderId.UserAgent, "Acme SoftPhone 5.1.2"u8);
        w.WriteBody(_sdp);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "200 OK from parsed INVITE (raw copy + To tag)")]
    public int WriteResponse()
    {
        _output.ResetWrittenCount();
        var w = SipResponseFactory.WriteResponseStart(_output, _invite, 200, "OK"u8, "a6c85cf"u8);
        w.WriteHeader(SipHeaderId.Contact, "<sip:4001@203.0.113.5:5060>"u8);
        w.WriteBody(default);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "re-serialise parsed INVITE")]
    public int WriteParsedInvite()
    {
        _output.ResetWrittenCount();
        new SipMessageWriter(_output).WriteMessage(_invite);
        return _output.WrittenCount;
    }
}
