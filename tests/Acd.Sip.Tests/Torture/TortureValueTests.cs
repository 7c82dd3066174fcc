using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Text;
using Acd.Sip.Uri;
using Acd.Sip.Validation;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Torture;

/// <summary>The values the tricky RFC 4475 / 5118 messages must yield, not just "it parsed".</summary>
public sealed class TortureValueTests
{
    private static SipMessage Parse(string name)
    {
        Assert.True(SipMessageParser.TryParse(TortureCorpus.Load(name), out var message, out var error), error.ToString());
        return message!;
    }

    private static string S(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    [Fact]
    public void TryParse_Wsinv_UnfoldsAndReadsEveryOddSpelling()
    {
        var m = Parse("valid/wsinv");
        Assert.Equal(SipMethod.Invite, m.MethodKind);
        Assert.True(m.TryGetTo(out var to));
        Assert.Equal("sip:vivekg@chair-dnrc.example.com", S(to.Uri));
        Assert.Equal("1918181833n", S(to.Tag));
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal("J Rosenberg \\\"", from.GetDisplayNameString());
        Assert.Equal("98asjd8", S(from.Tag));
        Assert.True(m.TryGetMaxForwards(out var hops));
        Assert.Equal(68, hops);
        Assert.True(m.TryGetCSeq(out var cseq));
        Assert.Equal(9u, cseq.Number);
        Assert.Equal("INVITE", S(cseq.Method));
        Assert.Equal(150, m.ContentLength);
        Assert.Equal(150, m.Body.Length);

        var vias = new List<(string Transport, string Host, string Branch)>();
        foreach (var v in m.GetValues(SipHeaderId.Via))
        {
            Assert.True(SipVia.TryParse(v, out var via));
            vias.Add((S(via.Transport), S(via.Host), S(via.Branch)));
        }

        Assert.Equal([("UDP", "192.0.2.2", "390skdjuw"), ("TCP", "spindle.example.com", "z9hG4bK9ikj8"), ("UDP", "192.168.255.111", "z9hG4bK30239")], vias);
        Assert.True(m.TryGetField(SipHeaderId.Subject, out var subject));
        Assert.Equal(0, subject.ValueLength);
        Assert.True(m.TryGetField("NewFangledHeader"u8, out var nf));
        Assert.True(nf.IsFolded);
        Assert.Equal("newfangled value continued newfangled value", m.GetValueString(nf));
        Assert.True(m.TryGetField("UnknownHeaderWithUnusualValue"u8, out var odd));
        Assert.Equal(";;,,;;,;", S(m.GetValue(odd)));
        Assert.True(m.TryGetNameAddr(SipHeaderId.Contact, out var contact));
        Assert.Equal("Quoted string \"\"", contact.GetDisplayNameString());
        Assert.True(contact.TryGetParameter("newparam"u8, out var np));
        Assert.Equal("newvalue", S(np));
        Assert.True(contact.TryGetQ(out var q));
        Assert.Equal(330, q);
    }

    [Fact]
    public void TryParse_Intmeth_KeepsExtensionMethodControlCharsAndUtf8()
    {
        var m = Parse("valid/intmeth");
        Assert.Equal(SipMethod.Unknown, m.MethodKind);
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", S(m.Method));
        Assert.True(m.TryGetRequestUri(out var uri));
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", S(uri.User));
        Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", S(uri.Password));
        Assert.Equal("example.com", S(uri.Host));
        Assert.True(m.TryGetTo(out var to));
        Assert.Equal("BEL:\a NUL:\0 DEL:\x7F", to.GetDisplayNameString());
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal("token1~` token2'+_ token3*%!.-", S(from.DisplayName));
        Assert.True(from.TryGetParameter("fromParam''~+*_!.-%"u8, out var fp));
        Assert.Equal("\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439", SipQuotedString.Unquote(fp));
        Assert.Equal("_token~1'+`*%!-.", S(from.Tag));
        Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", m.GetCallIdString());
        Assert.True(m.TryGetCSeq(out var cseq));
        Assert.Equal(139122385u, cseq.Number);
        Assert.True(m.TryGetField("extensionHeader-!.%*+_`'~"u8, out var ext));
        Assert.Equal("\uFEFF\u5927\u505C\u96FB", m.GetValueString(ext));
    }

    [Fact]
    public void TryParse_Esc01_UnescapesOnlyWhenAskedAndNeverRecursively()
    {
        var m = Parse("valid/esc01");
        Assert.True(m.TryGetRequestUri(out var ruri));
        Assert.Equal("sips%3Auser%40example.com", S(ruri.User));
        Assert.Equal("sips:user@example.com", ruri.GetUserString());
        Assert.Equal("example.net", S(ruri.Host));
        Assert.True(m.TryGetTo(out var to));
        Assert.True(m.TryGetUri(to.Uri, out var toUri));
        Assert.Equal("user", toUri.GetUserString());
        Assert.True(m.TryGetFrom(out var from));
        Assert.True(m.TryGetUri(from.Uri, out var fromUri));
        Assert.Equal("I have spaces", fromUri.GetUserString());
        Assert.True(m.TryGetNameAddr(SipHeaderId.Contact, out var contact));
        Assert.True(m.TryGetUri(contact.Uri, out var curi));
        Assert.Equal("caller", curi.GetUserString());
        Assert.True(curi.HasParameter("lr"u8));
        Assert.True(curi.TryGetParameter("name"u8, out var value));
        Assert.Equal("value%41", SipEscaping.UnescapeToString(value));
        Assert.Equal("esc01.239409asdfakjkn23onasd0-3234", m.GetCallIdString());
    }

    [Fact]
    public void TryParse_Escnull_KeepsNulInUserAndTwoDistinctContacts()
    {
        var m = Parse("valid/escnull");
        Assert.True(m.TryGetTo(out var to));
        Assert.True(m.TryGetUri(to.Uri, out var aor));
        Assert.Equal("null-\0-null"u8.ToArray(), aor.GetUnescapedUser());
        var users = new List<byte[]>();
        foreach (var c in m.GetValues(SipHeaderId.Contact))
        {
            Assert.True(SipNameAddr.TryParse(c, out var na));
            Assert.True(m.TryGetUri(na.Uri, out var u));
            users.Add(u.GetUnescapedUser());
        }

        Assert.Equal([[0], [0, 0]], users);
        Assert.Equal(0, m.ContentLength);
    }

    [Fact]
    public void TryParse_Esc02_UnknownMethodLiteralDisplayNameAndTwoContacts()
    {
        var m = Parse("valid/esc02");
        Assert.Equal(SipMethod.Unknown, m.MethodKind);
        Assert.Equal("RE%47IST%45R", S(m.Method));
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal("%Z%45", from.GetDisplayNameString());
        Assert.Equal(2, m.CountFields(SipHeaderId.Contact));
        Assert.True(m.TryGetField("C%6Fntact"u8, out var unknown));
        Assert.Equal(SipHeaderId.Unknown, unknown.Id);
        var verdict = new SipRequestValidator(new SipValidatorOptions()).Validate(m);
        Assert.Equal(501, verdict.StatusCode);
        Assert.Equal("Allow", verdict.ExtraHeaderName);
    }

    [Fact]
    public void TryParse_Lwsdisp_TokenDisplayNameWithoutSpaceBeforeBracket()
    {
        var m = Parse("valid/lwsdisp");
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal("caller", S(from.DisplayName));
        Assert.Equal("sip:caller@example.com", S(from.Uri));
        Assert.Equal("323", S(from.Tag));
    }

    [Fact]
    public void TryParse_Longreq_ReadsLongValuesAndAll34Vias()
    {
        var m = Parse("valid/longreq");
        var count = 0;
        var lastBranchLength = 0;
        foreach (var v in m.GetValues(SipHeaderId.Via))
        {
            Assert.True(SipVia.TryParse(v, out var via));
            Assert.Equal("SIP", S(via.ProtocolName).ToUpperInvariant());
            lastBranchLength = via.Branch.Length;
            count++;
        }

        Assert.Equal(34, count);
        Assert.True(m.TryGetTo(out var to));
        Assert.StartsWith("I have a user name of extremeextreme", to.GetDisplayNameString(), StringComparison.Ordinal);
        Assert.True(m.TryGetFrom(out var from));
        Assert.Equal(155, from.Tag.Length);
        Assert.True(m.CallId.Length > 140);
        Assert.True(m.TryGetTopVia(out var top));
        Assert.Equal("sip33.example.com", S(top.Host));
        Assert.Equal(215, lastBranchLength);
    }

    [Fact]
    public void TryParse_Dblreq_IgnoresTheTrailingInvite()
    {
        var data = TortureCorpus.Load("valid/dblreq");
        var m = Parse("valid/dblreq");
        Assert.Equal(SipMethod.Register, m.MethodKind);
        Assert.Equal(0, m.Body.Length);
        Assert.True(m.Buffer.Length < data.Length - 400);
        Assert.EndsWith("\r\n\r\n", Encoding.ASCII.GetString(m.Buffer.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Semiuri_UserPartKeepsTheSemicolon()
    {
        var m = Parse("valid/semiuri");
        Assert.True(m.TryGetRequestUri(out var uri));
        Assert.Equal("user;par=u%40example.net", S(uri.User));
        Assert.Equal("user;par=u@example.net", uri.GetUserString());
        Assert.Equal("example.com", S(uri.Host));
        Assert.True(uri.Parameters.IsEmpty);
        var accepts = new List<string>();
        foreach (var a in m.GetValues(SipHeaderId.Accept))
        {
            accepts.Add(S(a));
        }

        Assert.Equal(6, accepts.Count);
        Assert.Equal("message/sipfrag", accepts[^1]);
    }

    [Fact]
    public void TryParse_Mpart01_FramesBinaryBodyByContentLength()
    {
        var m = Parse("valid/mpart01");
        Assert.Equal(553, m.ContentLength);
        Assert.Equal(553, m.Body.Length);
        var body = m.Body.Span;
        Assert.Contains((byte)0, body.ToArray());
        Assert.True(m.TryGetContentType(out var type));
        Assert.True(type.Matches("multipart"u8, "mixed"u8));
        Assert.True(type.TryGetParameter("boundary"u8, out var boundary));
        Assert.Equal("7a9cbec02ceef655", S(boundary));
        Assert.True(m.TryGetTopVia(out var via));
        Assert.True(via.HasRPort);
        Assert.Equal(-1, via.RPort);
        Assert.Equal(5070, via.Port);
    }

    [Fact]
    public void TryParse_Noreason_EmptyReasonPhrase()
    {
        var m = Parse("valid/noreason");
        Assert.False(m.IsRequest);
        Assert.Equal(100, m.StatusCode);
        Assert.True(m.ReasonPhrase.IsEmpty);
    }

    [Fact]
    public void TryParse_Unreason_Utf8ReasonPhrase()
    {
        var m = Parse("valid/unreason");
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435", S(m.ReasonPhrase));
    }

    [Fact]
    public void TryParse_Transports_UnknownTransportsAreKept()
    {
        var m = Parse("valid/transports");
        var transports = new List<string>();
        foreach (var v in m.GetValues(SipHeaderId.Via))
        {
            Assert.True(SipVia.TryParse(v, out var via));
            transports.Add(S(via.Transport));
        }

        Assert.Contains("UNKNOWN", transports);
        Assert.Contains("SCTP", transports);
    }

    [Theory]
    [InlineData("invalid/badinv01", SipParseErrorCode.InvalidHeaderValue)]
    [InlineData("invalid/clerr", SipParseErrorCode.InvalidContentLength)]
    [InlineData("invalid/ncl", SipParseErrorCode.InvalidContentLength)]
    [InlineData("invalid/scalar02", SipParseErrorCode.InvalidCSeq)]
    [InlineData("invalid/scalarlg", SipParseErrorCode.InvalidCSeq)]
    [InlineData("invalid/quotbal", SipParseErrorCode.InvalidHeaderValue)]
    [InlineData("invalid/ltgtruri", SipParseErrorCode.InvalidRequestUri)]
    [InlineData("invalid/lwsruri", SipParseErrorCode.InvalidRequestUri)]
    [InlineData("invalid/lwsstart", SipParseErrorCode.InvalidRequestUri)]
    [InlineData("invalid/trws", SipParseErrorCode.InvalidRequestLine)]
    [InlineData("invalid/escruri", SipParseErrorCode.InvalidRequestUri)]
    [InlineData("invalid/baddate", SipParseErrorCode.InvalidHeaderValue)]
    [InlineData("invalid/regbadct", SipParseErrorCode.InvalidHeaderValue)]
    [InlineData("invalid/badaspec", SipParseErrorCode.InvalidHeaderValue)]
    [InlineData("invalid/baddn", SipParseErrorCode.UnterminatedHeaders)]
    [InlineData("invalid/badvers", SipParseErrorCode.UnsupportedVersion)]
    [InlineData("invalid/mismatch01", SipParseErrorCode.InvalidCSeq)]
    [InlineData("invalid/mismatch02", SipParseErrorCode.InvalidCSeq)]
    [InlineData("invalid/bigcode", SipParseErrorCode.InvalidStatusLine)]
    [InlineData("rfc5118/wire/ipv6-bad", SipParseErrorCode.InvalidRequestUri)]
    public void TryParse_InvalidTortureMessage_ReportsTheRightDefect(string name, SipParseErrorCode code)
    {
        Assert.False(SipMessageParser.TryParse(TortureCorpus.Load(name), out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void TryParse_Scalar02_OverlargeExpiriesSaturateAndMaxForwardsIsAbsent()
    {
        // Remove the overflowing CSeq: the other overlarge scalars alone must not break parsing.
        var text = Encoding.ASCII.GetString(TortureCorpus.Load("invalid/scalar02"));
        var cseqStart = text.IndexOf("CSeq:", StringComparison.Ordinal);
        var cseqEnd = text.IndexOf("\r\n", cseqStart, StringComparison.Ordinal);
        text = text[..cseqStart] + "CSeq: 1 REGISTER" + text[cseqEnd..];
        Assert.True(SipMessageParser.TryParse(Encoding.ASCII.GetBytes(text), out var m, out var error), error.ToString());
        Assert.False(m!.TryGetMaxForwards(out _));
        Assert.True(m.TryGetExpires(out var expires));
        Assert.Equal(uint.MaxValue, expires);
        Assert.True(m.TryGetNameAddr(SipHeaderId.Contact, out var contact));
        Assert.True(contact.TryGetExpires(out var contactExpires));
        Assert.Equal(uint.MaxValue, contactExpires);
    }

    [Fact]
    public void Validate_Bext01_ListsEveryUnsupportedRequireTag()
    {
        var verdict = new SipRequestValidator(new SipValidatorOptions()).Validate(Parse("semantic/bext01"));
        Assert.Equal(420, verdict.StatusCode);
        Assert.Equal("Unsupported", verdict.ExtraHeaderName);
        Assert.Equal("nothingSupportsThis, nothingSupportsThisEither", verdict.ExtraHeaderValue);
    }

    [Fact]
    public void Validate_Invut_Answers415WithAccept()
    {
        var verdict = new SipRequestValidator(new SipValidatorOptions()).Validate(Parse("semantic/invut"));
        Assert.Equal(415, verdict.StatusCode);
        Assert.Equal("Accept", verdict.ExtraHeaderName);
        Assert.Contains("application/sdp", verdict.ExtraHeaderValue, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Badbranch_ParsesWithBareCookie()
    {
        var m = Parse("semantic/badbranch");
        Assert.True(m.TryGetTopVia(out var via));
        Assert.Equal("z9hG4bK", S(via.Branch));
        Assert.False(via.HasRfc3261Branch);
    }

    [Fact]
    public void TryParse_Inv2543_DatagramBodyIsTheRestWithoutContentLength()
    {
        var m = Parse("semantic/inv2543");
        Assert.Equal(-1, m.ContentLength);
        Assert.True(m.Body.Length > 100);
        Assert.True(m.TryGetTopVia(out var via));
        Assert.False(via.HasBranch);
        Assert.False(m.TryGetMaxForwards(out _));
    }

    [Fact]
    public void TryParse_Cparam01And02_ContactParamVersusUriParam()
    {
        Assert.True(Parse("semantic/cparam01").TryGetNameAddr(SipHeaderId.Contact, out var c1));
        Assert.False(c1.HasAngleBrackets);
        Assert.True(c1.TryGetParameter("unknownparam"u8, out _));
        Assert.True(SipUri.TryParse(c1.Uri, out var u1));
        Assert.False(u1.HasParameter("unknownparam"u8));

        var m2 = Parse("semantic/cparam02");
        Assert.True(m2.TryGetNameAddr(SipHeaderId.Contact, out var c2));
        Assert.False(c2.TryGetParameter("unknownparam"u8, out _));
        Assert.True(m2.TryGetUri(c2.Uri, out var u2));
        Assert.True(u2.HasParameter("unknownparam"u8));
    }

    [Fact]
    public void TryParse_Regescrt_ContactUriKeepsEscapedHeaders()
    {
        var m = Parse("semantic/regescrt");
        Assert.True(m.TryGetNameAddr(SipHeaderId.Contact, out var c));
        Assert.True(m.TryGetUri(c.Uri, out var uri));
        Assert.Equal("Route=%3Csip:sip.example.com%3E", S(uri.Headers));
    }

    [Fact]
    public void TryParse_Unksm2_OpaqueSchemesInHeaders()
    {
        var m = Parse("semantic/unksm2");
        Assert.True(m.TryGetTo(out var to));
        Assert.True(m.TryGetUri(to.Uri, out var toUri));
        Assert.Equal(SipUriScheme.Other, toUri.Scheme);
        Assert.Equal("isbn", S(toUri.SchemeName));
        Assert.Equal("2983792873", S(toUri.SchemeSpecificPart));
        Assert.True(m.TryGetNameAddr(SipHeaderId.Contact, out var c));
        Assert.Equal("name:John_Smith", S(c.Uri));
    }

    [Fact]
    public void TryParse_Novelsc_OpaqueRequestUri()
    {
        var m = Parse("semantic/novelsc");
        Assert.True(m.TryGetRequestUri(out var uri));
        Assert.Equal(SipUriScheme.Other, uri.Scheme);
        Assert.Equal("soap.beep", S(uri.SchemeName));
    }

    [Fact]
    public void TryParse_Bcast_SecondViaIsBroadcast()
    {
        var m = Parse("semantic/bcast");
        var hosts = new List<string>();
        foreach (var v in m.GetValues(SipHeaderId.Via))
        {
            Assert.True(SipVia.TryParse(v, out var via));
            hosts.Add(S(via.Host));
        }

        Assert.Equal("255.255.255.255", hosts[1]);
    }

    [Fact]
    public void TryParse_Regaut01_UnknownAuthSchemeReadable()
    {
        var m = Parse("semantic/regaut01");
        Assert.True(m.TryGetAuth(SipHeaderId.Authorization, out var auth));
        Assert.Equal("NoOneKnowsThisScheme", S(auth.Scheme));
        Assert.True(auth.TryGetParameter("opaque-data"u8, out var v));
        Assert.Equal("here", S(v));
    }

    [Theory]
    [InlineData("rfc5118/wire/port-ambiguous", "[2001:db8::10:5070]", -1)]
    [InlineData("rfc5118/wire/port-unambiguous", "[2001:db8::10]", 5070)]
    [InlineData("rfc5118/wire/ipv6-bug-abnf-3-colons", "[2001:db8:::192.0.2.1]", -1)]
    [InlineData("rfc5118/wire/ipv6-correct-abnf-2-colons", "[2001:db8::192.0.2.1]", -1)]
    public void TryParse_Rfc5118RequestUri_HostAndPort(string name, string host, int port)
    {
        Assert.True(Parse(name).TryGetRequestUri(out var uri));
        Assert.True(uri.IsIPv6Reference);
        Assert.Equal(host, S(uri.Host));
        Assert.Equal(port, uri.Port);
    }

    [Theory]
    [InlineData("rfc5118/wire/via-received-param-with-delim", "[2001:db8::9:255]")]
    [InlineData("rfc5118/wire/via-received-param-no-delim", "2001:db8::9:255")]
    public void TryParse_Rfc5118ViaReceived_BothFormsAccepted(string name, string received)
    {
        Assert.True(Parse(name).TryGetTopVia(out var via));
        Assert.Equal("[2001:db8::9:1]", S(via.Host));
        Assert.Equal(received, S(via.Received));
    }

    [Fact]
    public void TryParse_Rfc5118MultIpInHeader_MixedViaFamilies()
    {
        var m = Parse("rfc5118/wire/mult-ip-in-header");
        var hosts = new List<(string, int)>();
        foreach (var v in m.GetValues(SipHeaderId.Via))
        {
            Assert.True(SipVia.TryParse(v, out var via));
            hosts.Add((S(via.Host), via.Port));
        }

        Assert.Equal(("[2001:db8::9:1]", 6050), hosts[0]);
        Assert.Equal("192.0.2.1", hosts[1].Item1);
    }
}
