using System.Buffers;
using System.Text;
using Acd.Sip.Writing;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Writing;

public sealed class SipMessageWriterTests
{
    private static string S(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    private static SipMessage Parse(ReadOnlyMemory<byte> bytes)
    {
        Assert.True(SipMessageParser.TryParse(bytes, SipFraming.Stream, SipParserLimits.Default, out var m, out var e), e.ToString());
        return m!;
    }

    [Fact]
    public void WriteBody_BuiltRequest_ParsesBackToSameValues()
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new SipMessageWriter(output);
        w.WriteRequestLine("INVITE"u8, "sip:bob@biloxi.example.com"u8);
        w.WriteHeader(SipHeaderId.Via, "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds"u8);
        w.WriteHeader(SipHeaderId.MaxForwards, 70u);
        w.WriteHeader(SipHeaderId.To, "Bob <sip:bob@biloxi.example.com>");
        w.WriteHeader(SipHeaderId.From, "\"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774"u8);
        w.WriteHeader(SipHeaderId.CallId, "a84b4c76e66710@pc33.atlanta.example.com"u8);
        w.WriteCSeq(314159, "INVITE"u8);
        w.WriteHeader("X-Ünicode"u8.Length > 0 ? "X-Custom"u8 : default, "Grüße"u8);
        w.WriteBody("v=0\r\n"u8);

        var m = Parse(output.WrittenMemory);
        Assert.Equal(SipMethod.Invite, m.MethodKind);
        Assert.Equal("sip:bob@biloxi.example.com", S(m.RequestUri));
        Assert.True(m.TryGetMaxForwards(out var hops));
        Assert.Equal(70, hops);
        Assert.True(m.TryGetCSeq(out var cseq));
        Assert.Equal(314159u, cseq.Number);
        Assert.Equal(5, m.ContentLength);
        Assert.Equal("v=0\r\n", S(m.Body.Span));
        Assert.True(m.TryGetField("x-custom"u8, out var custom));
        Assert.Equal("Grüße", m.GetValueString(custom));
    }

    [Fact]
    public void WriteResponseStart_FromRequest_CopiesRawFieldsAndAddsToTag()
    {
        var request = Parse(SampleMessages.Invite);
        var output = new ArrayBufferWriter<byte>();
        var w = SipResponseFactory.WriteResponseStart(output, request, 180, "Ringing"u8, "xyz"u8);
        w.WriteBody(default);
        var text = S(output.WrittenSpan);

        Assert.StartsWith("SIP/2.0 180 Ringing\r\n", text, StringComparison.Ordinal);
        var response = Parse(output.WrittenMemory);
        Assert.Equal(180, response.StatusCode);
        Assert.Equal(2, response.CountFields(SipHeaderId.Via));
        foreach (var id in new[] { SipHeaderId.From, SipHeaderId.CallId, SipHeaderId.CSeq })
        {
            Assert.True(request.TryGetField(id, out var rf));
            Assert.True(response.TryGetField(id, out var sf));
            Assert.Equal(request.GetRawField(rf).ToArray(), response.GetRawField(sf).ToArray());
        }

        Assert.True(response.TryGetTo(out var to));
        Assert.Equal("xyz", S(to.Tag));
        Assert.Equal(0, response.ContentLength);
        Assert.DoesNotContain("Content-Type", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateResponse_ToAlreadyTagged_KeepsExistingTag()
    {
        var request = Parse(Encoding.ASCII.GetBytes(
            "BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK9\r\nt: <sip:a@b>;tag=old\r\nf: <sip:c@d>;tag=2\r\ni: x\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n"));
        var response = Parse(SipResponseFactory.CreateResponse(request, 200, "OK", "new"));
        Assert.True(response.TryGetTo(out var to));
        Assert.Equal("old", S(to.Tag));
        Assert.True(response.TryGetField(SipHeaderId.Via, out var via));
        Assert.Equal("v: SIP/2.0/TCP h;branch=z9hG4bK9", S(response.GetRawField(via)));
    }

    [Fact]
    public void WriteHeader_CrLfInValue_Throws()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => new SipMessageWriter(output).WriteHeader("X-A"u8, "a\r\nInjected: yes"u8));
        Assert.Throws<ArgumentException>(() => new SipMessageWriter(output).WriteHeader("Bad Name"u8, "x"u8));
        Assert.Throws<ArgumentException>(() => new SipMessageWriter(output).WriteRequestLine("INVITE"u8, "sip:a b"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipMessageWriter(output).WriteStatusLine(99, "x"u8));
    }

    [Fact]
    public void CreateResponse_FromResponse_Throws()
    {
        var response = Parse(SampleMessages.Ok200);
        Assert.Throws<ArgumentException>(() => SipResponseFactory.CreateResponse(response, 200, "OK"));
    }
}
