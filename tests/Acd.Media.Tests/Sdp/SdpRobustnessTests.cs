using System.Text;
using Acd.Media.Audio;
using Acd.Media.Sdp;

namespace Acd.Media.Tests.Sdp;

public class SdpRobustnessTests
{
    private const string Offer =
        "v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
        "m=audio 49170 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendonly\r\n";

    [Fact]
    public void ParseAndAnswer_MutatedOffers_NeverThrow()
    {
        var random = new Random(11);
        var negotiator = new SdpNegotiator(new LocalMediaOptions { Address = "127.0.0.1", Port = 20000 }, 5);
        var bytes = Encoding.ASCII.GetBytes(Offer);
        const string Alphabet = "0123456789 =:/\r\nacmovtIP4.-";
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])bytes.Clone();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                mutated[random.Next(mutated.Length)] = (byte)Alphabet[random.Next(Alphabet.Length)];
            }

            var result = SdpParser.Parse(mutated.AsSpan(0, random.Next(mutated.Length / 2, mutated.Length + 1)));
            if (result.Session is { } session)
            {
                parsed++;
                var answer = negotiator.AnswerOffer(session);
                Assert.True(answer.Success || answer.StatusCode == 488);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(result.Error));
            }
        }

        Assert.True(parsed > 100, $"only {parsed} mutations parsed");
    }

    [Fact]
    public void Parse_OversizeBody_RefusedWithError()
    {
        var result = SdpParser.Parse(new byte[SdpParser.MaxBodyBytes + 1]);
        Assert.Contains("exceeds", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WavParse_RandomBytesAfterValidHeader_NeverThrow()
    {
        var random = new Random(12);
        var good = Fixtures.Bytes("tone1k-8k-ulaw.wav");
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = good.AsSpan(0, random.Next(13, 120)).ToArray();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(12, bytes.Length)] = (byte)random.Next(256);
            }

            var result = WavFile.Parse(bytes, "fuzz.wav");
            Assert.True(result.Success || result.Error!.Contains("fuzz.wav", StringComparison.Ordinal));
        }
    }
}
