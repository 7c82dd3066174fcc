using Acd.Media.Codecs;

namespace Acd.Media.Tests.Codecs;

public class G711Tests
{
    [Fact]
    public void Encode_EverySample_MatchesSoxMuLaw()
    {
        var samples = Fixtures.Int16("all16.s16");
        var expected = Fixtures.Bytes("all16.ul");
        var actual = new byte[samples.Length];
        G711.Encode(G711Law.MuLaw, samples, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Encode_EverySample_MatchesSoxALaw()
    {
        var samples = Fixtures.Int16("all16.s16");
        var expected = Fixtures.Bytes("all16.al");
        var actual = new byte[samples.Length];
        G711.Encode(G711Law.ALaw, samples, actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(G711Law.MuLaw, "ulaw-decoded.s16")]
    [InlineData(G711Law.ALaw, "alaw-decoded.s16")]
    public void Decode_EveryCode_MatchesSox(G711Law law, string file)
    {
        var codes = Fixtures.Bytes("all8.bin");
        var expected = Fixtures.Int16(file);
        var actual = new short[256];
        G711.Decode(law, codes, actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x00, -32124)]
    [InlineData(0x80, 32124)]
    [InlineData(0xEF, 132)]
    [InlineData(0x6F, -132)]
    public void MuLawToLinear_ReferencePoints_MatchG711Table(int code, int expected) =>
        Assert.Equal(expected, G711.MuLawToLinear((byte)code));

    [Theory]
    [InlineData(0xD5, 8)]
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]
    [InlineData(0x2A, -32256)]
    public void ALawToLinear_ReferencePoints_MatchG711Table(int code, int expected) =>
        Assert.Equal(expected, G711.ALawToLinear((byte)code));

    [Fact]
    public void Encode_DecodedValue_ReencodesToSameCode()
    {
        for (var code = 0; code < 256; code++)
        {
            var mu = G711.MuLawToLinear((byte)code);
            var a = G711.ALawToLinear((byte)code);
            Assert.Equal(code == 0x7F ? 0xFF : code, G711.LinearToMuLaw(mu)); // -0 and +0 both encode as 0xFF
            Assert.Equal(code, G711.LinearToALaw(a));
        }
    }

    [Theory]
    [InlineData(G711Law.MuLaw, G711Law.ALaw)]
    [InlineData(G711Law.ALaw, G711Law.MuLaw)]
    public void Transcode_EveryCode_EqualsDecodeThenEncode(G711Law from, G711Law to)
    {
        var codes = Fixtures.Bytes("all8.bin");
        var pcm = new short[256];
        var expected = new byte[256];
        G711.Decode(from, codes, pcm);
        G711.Encode(to, pcm, expected);
        var actual = new byte[256];
        G711.Transcode(from, to, codes, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Saturate_OverflowingSums_ClampTo16Bits()
    {
        var sums = Enumerable.Range(0, 100).Select(i => (i - 50) * 1000).ToArray();
        var output = new short[sums.Length];
        G711.Saturate(sums, output);
        for (var i = 0; i < sums.Length; i++)
        {
            Assert.Equal((short)Math.Clamp(sums[i], short.MinValue, short.MaxValue), output[i]);
        }
    }
}
