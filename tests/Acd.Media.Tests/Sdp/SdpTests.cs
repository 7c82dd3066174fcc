using Acd.Media.Codecs;
using Acd.Media.Sdp;

namespace Acd.Media.Tests.Sdp;

public class SdpTests
{
    private const string PhoneOffer =
        "v=0\r\n" +
        "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n" +
        "s=call\r\n" +
        "c=IN IP4 192.0.2.10\r\n" +
        "t=0 0\r\n" +
        "m=audio 49170 RTP/AVP 8 0 18 101\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:18 G729/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=ptime:20\r\n" +
        "a=sendrecv\r\n";

    private static SdpNegotiator Negotiator(params G711Law[] codecs) =>
        new(new LocalMediaOptions { Address = "127.0.0.1", Port = 20000, Codecs = codecs.Length == 0 ? [G711Law.MuLaw, G711Law.ALaw] : codecs }, 1000);

    private static SdpSession Parse(string body)
    {
        var result = SdpParser.Parse(body);
        Assert.True(result.Success, result.Error);
        return result.Session!;
    }

    [Fact]
    public void Parse_PhoneOffer_ReadsFormatsConnectionAndAttributes()
    {
        var offer = Parse(PhoneOffer);
        var audio = Assert.Single(offer.Media);
        Assert.Equal(2890844526UL, offer.Version);
        Assert.Equal("192.0.2.10", offer.AddressOf(audio));
        Assert.Equal(49170, audio.Port);
        Assert.Equal([8, 0, 18, 101], audio.Formats.Select(f => f.PayloadType));
        Assert.Equal("0-15", audio.Formats[3].Parameters);
        Assert.Equal(20, audio.Ptime);
        Assert.Equal(SdpDirection.SendRecv, offer.DirectionOf(audio));
    }

    [Fact]
    public void AnswerOffer_OffererPrefersPcma_AnswersPcmaWithTelephoneEvent()
    {
        var result = Negotiator().AnswerOffer(Parse(PhoneOffer));

        Assert.True(result.Success);
        Assert.Equal(G711Law.ALaw, result.Media!.Codec);
        Assert.Equal((byte)101, result.Media.TelephoneEventPayloadType);
        Assert.Equal("192.0.2.10:49170", result.Media.Remote!.ToString());
        var answer = Parse(result.Local!.ToString());
        Assert.Equal([8, 101], answer.Media[0].Formats.Select(f => f.PayloadType));
        Assert.Equal(20000, answer.Media[0].Port);
        Assert.Equal("127.0.0.1", answer.ConnectionAddress);
    }

    [Fact]
    public void AnswerOffer_NoCommonCodec_Returns488()
    {
        var offer = Parse(PhoneOffer.Replace("m=audio 49170 RTP/AVP 8 0 18 101", "m=audio 49170 RTP/AVP 18 101", StringComparison.Ordinal));
        var result = Negotiator().AnswerOffer(offer);
        Assert.False(result.Success);
        Assert.Equal(488, result.StatusCode);
        Assert.Contains("No common audio codec", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnswerOffer_OnlyMuLawLocally_PicksPcmuFromOffer()
    {
        var result = Negotiator(G711Law.MuLaw).AnswerOffer(Parse(PhoneOffer));
        Assert.Equal(G711Law.MuLaw, result.Media!.Codec);
    }

    [Theory]
    [InlineData("sendonly", SdpDirection.RecvOnly)]
    [InlineData("recvonly", SdpDirection.SendOnly)]
    [InlineData("inactive", SdpDirection.Inactive)]
    [InlineData("sendrecv", SdpDirection.SendRecv)]
    public void AnswerOffer_HoldDirections_AnswersComplement(string offered, SdpDirection answered)
    {
        var offer = Parse(PhoneOffer.Replace("a=sendrecv", "a=" + offered, StringComparison.Ordinal));
        var result = Negotiator().AnswerOffer(offer);
        Assert.Equal(answered, result.Media!.Direction);
        Assert.Equal(answered, Parse(result.Local!.ToString()).Media[0].Direction);
    }

    [Fact]
    public void AnswerOffer_LegacyHoldZeroAddress_DoesNotSendAndHasNoRemote()
    {
        var offer = Parse(PhoneOffer.Replace("c=IN IP4 192.0.2.10", "c=IN IP4 0.0.0.0", StringComparison.Ordinal));
        var result = Negotiator().AnswerOffer(offer);
        Assert.Null(result.Media!.Remote);
        Assert.False(result.Media.CanSend);
        Assert.True(result.Media.CanReceive);
    }

    [Fact]
    public void AnswerOffer_MediaLevelConnection_OverridesSession()
    {
        var offer = Parse(PhoneOffer.Replace("a=ptime:20\r\n", "a=ptime:20\r\nc=IN IP4 198.51.100.7\r\n", StringComparison.Ordinal));
        Assert.Equal("198.51.100.7:49170", Negotiator().AnswerOffer(offer).Media!.Remote!.ToString());
    }

    [Fact]
    public void AnswerOffer_VideoAndAudio_RejectsVideoWithPortZeroKeepingOrder()
    {
        var body = PhoneOffer.Replace("m=audio", "m=video 51372 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio", StringComparison.Ordinal);
        var result = Negotiator().AnswerOffer(Parse(body));
        var answer = Parse(result.Local!.ToString());
        Assert.Equal(2, answer.Media.Count);
        Assert.Equal(("video", 0), (answer.Media[0].Kind, answer.Media[0].Port));
        Assert.Equal(("audio", 20000), (answer.Media[1].Kind, answer.Media[1].Port));
    }

    [Fact]
    public void CreateOffer_HoldThenResume_IncrementsVersionOnlyOnChange()
    {
        var negotiator = Negotiator();
        var first = negotiator.CreateOffer();
        var same = negotiator.CreateOffer();
        var hold = negotiator.CreateOffer(SdpDirection.SendOnly);
        var resume = negotiator.CreateOffer();

        Assert.Equal(first.Version, same.Version);
        Assert.Equal(first.Version + 1, hold.Version);
        Assert.Equal(first.Version + 2, resume.Version);
        Assert.Equal(first.SessionId, resume.SessionId);
        var parsed = Parse(hold.ToString());
        Assert.Equal(SdpDirection.SendOnly, parsed.DirectionOf(parsed.Media[0]));
        Assert.Equal([0, 8, 101], parsed.Media[0].Formats.Select(f => f.PayloadType));
    }

    [Fact]
    public void AcceptAnswer_AgentAnswersPcmu_NegotiatesPcmuAndRemote()
    {
        var negotiator = Negotiator();
        negotiator.CreateOffer();
        var answer = Parse("v=0\r\no=agent 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
        var result = negotiator.AcceptAnswer(answer);
        Assert.Equal(G711Law.MuLaw, result.Media!.Codec);
        Assert.Equal((byte)101, result.Media.TelephoneEventPayloadType);
        Assert.Equal("127.0.0.2:30000", result.Media.Remote!.ToString());
        Assert.Equal(SdpDirection.SendRecv, result.Media.Direction);
    }

    [Fact]
    public void AcceptAnswer_StreamRejected_Returns488()
    {
        var negotiator = Negotiator();
        negotiator.CreateOffer();
        var answer = Parse("v=0\r\no=agent 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n");
        Assert.Equal(488, negotiator.AcceptAnswer(answer).StatusCode);
    }

    [Theory]
    [InlineData("o=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", "no v= line")]
    [InlineData("v=0\r\ns=-\r\n", "no o= line")]
    [InlineData("v=1\r\n", "line 1 has unsupported version")]
    [InlineData("v=0\r\no=a b 1 IN IP4 1.2.3.4\r\n", "line 2 has a malformed o= origin")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n", "line 3 has a malformed m= line")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\n", "no connection address")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0 abc\r\n", "not a number")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN XX 1.2.3.4\r\n", "malformed c= connection")]
    [InlineData("v=0\r\nbogus\r\n", "line 2 is not of the form")]
    public void Parse_Malformed_ReturnsErrorNamingTheProblem(string body, string expected)
    {
        var result = SdpParser.Parse(body);
        Assert.False(result.Success);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LineFeedOnlyAndUnknownAttributes_Accepted()
    {
        var offer = Parse(PhoneOffer.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("a=ptime:20", "a=ptime:20\na=rtcp:49171\na=silenceSupp:off - - - -", StringComparison.Ordinal));
        Assert.Equal(4, offer.Media[0].Formats.Count);
    }

    [Fact]
    public void LocalMediaOptions_Invalid_ReturnsEveryError()
    {
        var errors = new LocalMediaOptions { Address = "nope", Port = 3, Codecs = [], TelephoneEventPayloadType = 5, Ptime = 25 }.Validate();
        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("LocalMediaOptions.Address", StringComparison.Ordinal));
    }
}
