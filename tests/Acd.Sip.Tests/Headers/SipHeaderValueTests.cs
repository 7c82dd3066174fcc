using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Text;
using Xunit;

namespace Acd.Sip.Tests.Headers;

public sealed class SipHeaderValueTests
{
    private static string S(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    [Fact]
    public void ValueList_CommasInQuotesAndBrackets_NotSplit()
    {
        var items = new List<string>();
        foreach (var v in new SipValueListEnumerator("\"Doe, John\" <sip:j@x;a=1,2>;q=0.5 , <sip:k@y>"u8))
        {
            items.Add(S(v));
        }

        Assert.Equal(["\"Doe, John\" <sip:j@x;a=1,2>;q=0.5", "<sip:k@y>"], items);
    }

    [Theory]
    [InlineData("a,,b")]
    [InlineData("a,")]
    [InlineData("\"open")]
    [InlineData("<sip:a")]
    public void ValueList_Malformed_SetsIsInvalid(string value)
    {
        var e = new SipValueListEnumerator(Encoding.ASCII.GetBytes(value));
        while (e.MoveNext())
        {
        }

        Assert.True(e.IsInvalid);
    }

    [Fact]
    public void ValueList_EmptyValue_NoElementsAndValid()
    {
        var e = new SipValueListEnumerator(default);
        Assert.False(e.MoveNext());
        Assert.False(e.IsInvalid);
    }

    [Fact]
    public void Parameters_LwsAndQuotedValues_Read()
    {
        var found = new List<(string, string, bool)>();
        foreach (var p in new SipParameterEnumerator(" ; a = 1 ;b;c=\"x;y\""u8))
        {
            found.Add((S(p.Name), S(p.Value), p.HasValue));
        }

        Assert.Equal([("a", "1", true), ("b", "", false), ("c", "\"x;y\"", true)], found);
    }

    [Fact]
    public void CSeq_Overflow_Rejected()
    {
        Assert.False(SipCSeq.TryParse("4294967296 INVITE"u8, out _));
        Assert.False(SipCSeq.TryParse("12INVITE"u8, out _));
        Assert.False(SipCSeq.TryParse("12"u8, out _));
        Assert.True(SipCSeq.TryParse("0 ACK"u8, out var c));
        Assert.Equal(SipMethod.Ack, c.MethodKind);
    }

    [Fact]
    public void NameAddr_Wildcard_Recognised()
    {
        Assert.True(SipNameAddr.TryParse("*"u8, out var c));
        Assert.True(c.IsWildcard);
    }

    [Fact]
    public void NameAddr_QuotedDisplayNameWithEscapes_Unquoted()
    {
        Assert.True(SipNameAddr.TryParse("\"A \\\"B\\\" C\" <sip:a@b>;tag=x;expires=60;q=1"u8, out var na));
        Assert.Equal("A \"B\" C", na.GetDisplayNameString());
        Assert.Equal("x", S(na.Tag));
        Assert.True(na.TryGetExpires(out var e));
        Assert.Equal(60u, e);
        Assert.True(na.TryGetQ(out var q));
        Assert.Equal(1000, q);
    }

    [Fact]
    public void Via_AllWellKnownParameters_Read()
    {
        Assert.True(SipVia.TryParse("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;received=192.0.2.1;rport=5061;maddr=224.2.0.1;ttl=16"u8, out var v));
        Assert.Equal("UDP", S(v.Transport));
        Assert.Equal("[2001:db8::1]", S(v.Host));
        Assert.Equal(5060, v.Port);
        Assert.Equal("z9hG4bKx", S(v.Branch));
        Assert.True(v.HasRfc3261Branch);
        Assert.Equal("192.0.2.1", S(v.Received));
        Assert.Equal(5061, v.RPort);
        Assert.Equal("224.2.0.1", S(v.Maddr));
        Assert.Equal(16, v.Ttl);
    }

    [Theory]
    [InlineData("SIP/2.0 host")]
    [InlineData("SIP/2.0/UDP")]
    [InlineData("SIP/2.0/UDP host;ttl=300")]
    [InlineData("SIP/2.0/UDP host:70000")]
    [InlineData("SIP/2.0/UDP host;branch")]
    public void Via_Malformed_Rejected(string value)
    {
        Assert.False(SipVia.TryParse(Encoding.ASCII.GetBytes(value), out _));
    }

    [Fact]
    public void Auth_DigestParameters_QuotedAndTokenValues()
    {
        Assert.True(SipAuthValue.TryParse("Digest username=\"bob\", realm=\"a,b\", nc=00000001, response=\"x\\\"y\""u8, out var a));
        Assert.True(a.IsDigest);
        Assert.True(a.TryGetParameter("realm"u8, out var realm));
        Assert.Equal("a,b", S(realm));
        Assert.True(a.TryGetParameter("NC"u8, out var nc));
        Assert.Equal("00000001", S(nc));
        Assert.True(a.TryGetParameter("response"u8, out _, out var raw));
        Assert.Equal("x\"y", SipQuotedString.Unquote(raw));
        Assert.False(a.TryGetParameter("opaque"u8, out _));
    }

    [Fact]
    public void TokenWithParameters_RetryAfterEventReplaces_Read()
    {
        Assert.True(SipTokenWithParameters.TryParse("120 (I'm in a meeting);duration=3600"u8, out var ra));
        Assert.True(ra.TryGetSeconds(out var secs));
        Assert.Equal(120u, secs);
        Assert.Equal("(I'm in a meeting)", S(ra.Comment));
        Assert.True(ra.TryGetParameter("duration"u8, out var d));
        Assert.Equal("3600", S(d));

        Assert.True(SipTokenWithParameters.TryParse("dialog;id=42"u8, out var ev));
        Assert.Equal("dialog", S(ev.Head));

        Assert.True(SipTokenWithParameters.TryParse("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only"u8, out var rep));
        Assert.Equal("98732@sip.example.com", S(rep.Head));
        Assert.True(rep.HasParameter("early-only"u8));
        Assert.True(rep.TryGetParameter("to-tag"u8, out var tt));
        Assert.Equal("ff87ff", S(tt));

        Assert.True(SipTokenWithParameters.TryParse("99999999999999"u8, out var huge));
        Assert.False(huge.TryGetSeconds(out _));
    }

    [Fact]
    public void MediaType_ParametersAndWildcards()
    {
        Assert.True(SipMediaType.TryParse("multipart/mixed ; boundary=abc"u8, out var m));
        Assert.True(m.Matches("MULTIPART"u8, "Mixed"u8));
        Assert.True(m.TryGetParameter("boundary"u8, out var b));
        Assert.Equal("abc", S(b));
        Assert.True(SipMediaType.TryParse("application/*"u8, out var any));
        Assert.True(any.Matches("application"u8, "sdp"u8));
        Assert.False(SipMediaType.TryParse("application"u8, out _));
    }

    [Fact]
    public void HeaderNames_CompactAndAnyCase_Identified()
    {
        Assert.Equal(SipHeaderId.CallId, SipHeaderNames.Lookup("i"u8));
        Assert.Equal(SipHeaderId.ReferTo, SipHeaderNames.Lookup("R"u8));
        Assert.Equal(SipHeaderId.WwwAuthenticate, SipHeaderNames.Lookup("www-AUTHENTICATE"u8));
        Assert.Equal(SipHeaderId.Unknown, SipHeaderNames.Lookup("X-Custom"u8));
        Assert.Equal("Call-ID", S(SipHeaderNames.GetName(SipHeaderId.CallId)));
    }

    [Fact]
    public void Escaping_NeverRecursive()
    {
        Assert.Equal("value%41", SipEscaping.UnescapeToString("v%61lue%25%34%31"u8));
        Assert.Equal("100%", SipEscaping.UnescapeToString("100%"u8));
        Assert.True(SipEscaping.EqualsUnescapedIgnoreCase("%6C%72"u8, "LR"u8));
        Assert.False(SipEscaping.EqualsUnescapedIgnoreCase("%6C%72x"u8, "lr"u8));
    }

    [Fact]
    public void Number_OverflowChecked()
    {
        Assert.True(SipNumber.TryParseUInt32("0004294967295"u8, out var max));
        Assert.Equal(uint.MaxValue, max);
        Assert.False(SipNumber.TryParseUInt32("4294967296"u8, out _));
        Assert.False(SipNumber.TryParseInt32("2147483648"u8, out _));
        Assert.False(SipNumber.TryParseUInt32("-1"u8, out _));
        Assert.True(SipNumber.TryParseSaturated(Encoding.ASCII.GetBytes("1" + new string('0', 100)), out var sat));
        Assert.Equal(uint.MaxValue, sat);
    }

    [Fact]
    public void Unfold_QuotedFoldedValue_KeepsQuotes()
    {
        Assert.Equal("\"a b\" c", SipQuotedString.Unfold("\"a\r\n  b\"\r\n\tc"u8));
        Assert.Equal("a b", SipQuotedString.Unquote("\"a\r\n b\""u8));
    }
}
