using System.Text;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Parsing;

public sealed class SipMessageParserTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private const string Options =
        "OPTIONS sip:u@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:u@example.com>\r\n" +
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public void TryParse_SampleInvite_IsTypical900ByteRequest()
    {
        Assert.Equal(906, SampleMessages.Invite.Length);
        Assert.True(SipMessageParser.TryParse(SampleMessages.Invite, out var m, out _));
        Assert.Equal(SipMethod.Invite, m!.MethodKind);
        Assert.Equal(14, m.HeaderCount);
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal("9fxced76sl", Encoding.ASCII.GetString(from.Tag));
        Assert.Equal(m.ContentLength, m.Body.Length);
    }

    [Fact]
    public void TryParse_LeadingCrlf_IsSkipped()
    {
        Assert.True(SipMessageParser.TryParse(B("\r\n\r\n" + Options), out var m, out _));
        Assert.StartsWith("OPTIONS", Encoding.ASCII.GetString(m!.Buffer.Span), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    public void TryParse_EmptyInput_ReturnsEmptyError(string input)
    {
        Assert.False(SipMessageParser.TryParse(B(input), out _, out var error));
        Assert.Equal(SipParseErrorCode.Empty, error.Code);
    }

    [Fact]
    public void TryParse_BareLfInHeaders_Rejected400()
    {
        Assert.False(SipMessageParser.TryParse(B(Options.Replace("Call-ID: c1\r\n", "Call-ID: c1\n", StringComparison.Ordinal)), out _, out var error));
        Assert.Equal(SipParseErrorCode.InvalidHeaderLine, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void TryParse_ContinuationWithoutHeader_Rejected()
    {
        Assert.False(SipMessageParser.TryParse(B("OPTIONS sip:u@h SIP/2.0\r\n folded\r\n\r\n"), out _, out var error));
        Assert.Equal(SipParseErrorCode.InvalidHeaderLine, error.Code);
    }

    [Fact]
    public void TryParse_HeaderWithoutColon_Rejected()
    {
        Assert.False(SipMessageParser.TryParse(B(Options.Replace("Call-ID: c1", "Call-ID c1", StringComparison.Ordinal)), out _, out var error));
        Assert.Equal(SipParseErrorCode.InvalidHeaderLine, error.Code);
    }

    [Fact]
    public void TryParse_OverMaxMessageBytes_Rejected513BeforeParsing()
    {
        var limits = new SipParserLimits(maxMessageBytes: 512);
        var big = B(Options.Replace("Call-ID: c1", "Call-ID: " + new string('x', 600), StringComparison.Ordinal));
        Assert.False(SipMessageParser.TryParse(big, SipFraming.Datagram, limits, out _, out var error));
        Assert.Equal(SipParseErrorCode.MessageTooLarge, error.Code);
        Assert.Equal(513, error.StatusCode);
    }

    [Fact]
    public void TryParse_TooManyHeaders_Rejected400()
    {
        var limits = new SipParserLimits(maxHeaderCount: 5);
        Assert.False(SipMessageParser.TryParse(B(Options), SipFraming.Datagram, limits, out _, out var error));
        Assert.Equal(SipParseErrorCode.TooManyHeaders, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void TryParse_HeaderLongerThanLimitIncludingFolds_Rejected()
    {
        var limits = new SipParserLimits(maxHeaderLineBytes: 64);
        var folded = Options.Replace("Call-ID: c1", "Call-ID: c1" + string.Concat(Enumerable.Repeat("\r\n xxxxxxxxxx", 6)), StringComparison.Ordinal);
        Assert.False(SipMessageParser.TryParse(B(folded), SipFraming.Datagram, limits, out _, out var error));
        Assert.Equal(SipParseErrorCode.HeaderTooLong, error.Code);
    }

    [Fact]
    public void TryParse_BodyOverMaxBodyBytes_Rejected513()
    {
        var limits = new SipParserLimits(maxBodyBytes: 4);
        var msg = Options.Replace("Content-Length: 0", "Content-Length: 5", StringComparison.Ordinal) + "hello";
        Assert.False(SipMessageParser.TryParse(B(msg), SipFraming.Datagram, limits, out _, out var error));
        Assert.Equal(SipParseErrorCode.BodyTooLarge, error.Code);
        Assert.Equal(513, error.StatusCode);
    }

    [Fact]
    public void TryParse_StreamWithoutContentLength_MissingContentLength()
    {
        var msg = B(Options.Replace("Content-Length: 0\r\n", string.Empty, StringComparison.Ordinal));
        Assert.True(SipMessageParser.TryParse(msg, SipFraming.Datagram, SipParserLimits.Default, out var m, out _));
        Assert.Equal(-1, m!.ContentLength);
        Assert.False(SipMessageParser.TryParse(msg, SipFraming.Stream, SipParserLimits.Default, out _, out var error));
        Assert.Equal(SipParseErrorCode.MissingContentLength, error.Code);
    }

    [Fact]
    public void TryParse_ContentLengthOverflow_Rejected()
    {
        var msg = Options.Replace("Content-Length: 0", "Content-Length: 99999999999999999999", StringComparison.Ordinal);
        Assert.False(SipMessageParser.TryParse(B(msg), out _, out var error));
        Assert.Equal(SipParseErrorCode.InvalidContentLength, error.Code);
    }

    [Fact]
    public void TryParse_CSeqAtMaximum_Accepted()
    {
        var msg = Options.Replace("CSeq: 1 OPTIONS", "CSeq: 4294967295 OPTIONS", StringComparison.Ordinal);
        Assert.True(SipMessageParser.TryParse(B(msg), out var m, out _));
        Assert.True(m!.TryGetCSeq(out var cseq));
        Assert.Equal(uint.MaxValue, cseq.Number);
    }

    [Theory]
    [InlineData("SIP/2.0 99 Too Low\r\n")]
    [InlineData("SIP/2.0 700 Too High\r\n")]
    [InlineData("SIP/2.0 20 OK\r\n")]
    [InlineData("SIP/2.0 2000 OK\r\n")]
    public void TryParse_BadStatusCode_DiscardedSilently(string statusLine)
    {
        Assert.False(SipMessageParser.TryParse(B(statusLine + "Content-Length: 0\r\n\r\n"), out _, out var error));
        Assert.Equal(SipParseErrorCode.InvalidStatusLine, error.Code);
        Assert.Equal(0, error.StatusCode);
    }

    [Fact]
    public void TryParse_ResponseWithoutReasonSpace_Accepted()
    {
        Assert.True(SipMessageParser.TryParse(B("SIP/2.0 180\r\nContent-Length: 0\r\n\r\n"), out var m, out _));
        Assert.Equal(180, m!.StatusCode);
        Assert.True(m.ReasonPhrase.IsEmpty);
    }

    [Fact]
    public void TryParse_EveryTruncationOfInvite_ReturnsValueNeverThrows()
    {
        var invite = SampleMessages.Invite;
        for (var n = 0; n <= invite.Length; n++)
        {
            var ok = SipMessageParser.TryParse(invite.AsMemory(0, n), out var m, out var error);
            Assert.True(ok ? m is not null : error.Code != SipParseErrorCode.None);
        }
    }

    [Fact]
    public void GetValues_ViaOnSeveralLinesAndCommas_EnumeratesInOrder()
    {
        var msg = Options.Replace("Via: SIP/2.0/UDP h;branch=z9hG4bK1", "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b;branch=z9hG4bK2\r\nv: SIP/2.0/UDP c;branch=z9hG4bK3", StringComparison.Ordinal);
        Assert.True(SipMessageParser.TryParse(B(msg), out var m, out _));
        var hosts = new List<string>();
        foreach (var v in m!.GetValues(SipHeaderId.Via))
        {
            Assert.True(Acd.Sip.Headers.SipVia.TryParse(v, out var via));
            hosts.Add(Encoding.ASCII.GetString(via.Host));
        }

        Assert.Equal(["a", "b", "c"], hosts);
        Assert.Equal(2, m.CountFields(SipHeaderId.Via));
    }

    [Fact]
    public void TryParse_SequenceInSegments_SameAsContiguous()
    {
        var seq = Acd.Testing.Buffers.FragmentedSequence.Create(Acd.Testing.Buffers.FragmentedSequence.Chunks(SampleMessages.Invite, 7));
        Assert.True(SipMessageParser.TryParse(seq, SipFraming.Stream, SipParserLimits.Default, out var m, out _));
        Assert.Equal(SampleMessages.Invite, m!.Buffer.ToArray());
    }

    [Fact]
    public void MetricTag_EveryCode_IsStableSnakeCase()
    {
        foreach (var code in Enum.GetValues<SipParseErrorCode>())
        {
            var tag = new SipParseError(code, 400, "x", 0).MetricTag;
            Assert.Matches("^[a-z_]+$", tag);
            Assert.NotEqual("other", tag);
        }
    }
}
