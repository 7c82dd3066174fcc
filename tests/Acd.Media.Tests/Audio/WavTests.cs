using Acd.Media.Audio;

namespace Acd.Media.Tests.Audio;

public class WavTests
{
    [Theory]
    [InlineData("tone1k-8k-pcm.wav", WavEncoding.Pcm)]
    [InlineData("tone1k-8k-ulaw.wav", WavEncoding.MuLaw)]
    [InlineData("tone1k-8k-alaw.wav", WavEncoding.ALaw)]
    public void Read_SoxFiles_DecodesTheTone(string file, WavEncoding encoding)
    {
        var result = WavFile.Read(Fixtures.PathOf(file));
        Assert.True(result.Success, result.Error);
        Assert.Equal(encoding, result.Audio!.SourceEncoding);
        Assert.Equal(8000, result.Audio.Samples.Length);
        var amplitude = Fixtures.Amplitude(result.Audio.Samples, 1000);
        Assert.InRange(amplitude, 32767 * 0.45, 32767 * 0.56); // sox gain -6 dB
    }

    [Fact]
    public void Read_44kStereo_ResamplesDownmixesAndFiltersAliases()
    {
        var result = WavFile.Read(Fixtures.PathOf("tone-44k-stereo.wav"));
        Assert.True(result.Success, result.Error);
        var samples = result.Audio!.Samples;
        Assert.Equal(44100, result.Audio.SourceSampleRate);
        Assert.Equal(2, result.Audio.SourceChannels);
        Assert.InRange(samples.Length, 3999, 4000);
        var mid = samples.AsSpan(400, 3200);
        var wanted = Fixtures.Amplitude(mid, 1000);
        Assert.InRange(wanted, 32767 * 0.5 * 0.45, 32767 * 0.5 * 0.56); // left 1 kHz, halved by the downmix
        // The right channel's 6 kHz would alias to 2 kHz without the low-pass.
        Assert.True(Fixtures.Amplitude(mid, 2000) < wanted / 300, "6 kHz aliased into 2 kHz");
    }

    [Fact]
    public void Read_ThreeChannels_RefusesNamingTheFile()
    {
        var result = WavFile.Read(Fixtures.PathOf("three-channels.wav"));
        Assert.False(result.Success);
        Assert.Contains("three-channels.wav", result.Error, StringComparison.Ordinal);
        Assert.Contains("3 channels", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "is not a RIFF/WAVE file")]
    [InlineData(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 0, 0, 0, 0, (byte)'W', (byte)'A', (byte)'V', (byte)'E' }, "has no fmt chunk")]
    public void Parse_Garbage_ReturnsError(byte[] bytes, string expected)
    {
        var result = WavFile.Parse(bytes, "x.wav");
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Contains("'x.wav'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ReturnsErrorNamingTheFile()
    {
        var result = WavFile.Read("/nonexistent/prompt.wav");
        Assert.Contains("/nonexistent/prompt.wav", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TruncatedFiles_NeverThrow()
    {
        var bytes = Fixtures.Bytes("tone1k-8k-pcm.wav");
        for (var length = 0; length < 100; length++)
        {
            WavFile.Parse(bytes.AsSpan(0, length), "cut.wav");
        }
    }

    [Fact]
    public async Task WavWriter_Stereo_RoundTripsThroughReader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"acd-wav-{Guid.NewGuid():N}.wav");
        try
        {
            var interleaved = new short[1600];
            for (var i = 0; i < 800; i++)
            {
                interleaved[i * 2] = (short)(i * 10);
                interleaved[(i * 2) + 1] = (short)(-i * 10);
            }

            await using (var writer = new WavWriter(File.Create(path), channels: 2))
            {
                await writer.WriteAsync(interleaved);
                Assert.Equal(800, writer.FramesWritten);
            }

            var bytes = await File.ReadAllBytesAsync(path);
            Assert.Equal(44 + 3200, bytes.Length);
            var read = WavFile.Parse(bytes, path);
            Assert.True(read.Success, read.Error);
            Assert.Equal(2, read.Audio!.SourceChannels);
            Assert.All(read.Audio.Samples, s => Assert.Equal(0, s)); // L and -L average to 0
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PromptCache_SameFileTwice_LoadsOnceWithBothLaws()
    {
        var cache = new PromptCache();
        var first = cache.Get(Fixtures.PathOf("tone1k-8k-pcm.wav"));
        var second = cache.Get(Fixtures.PathOf("tone1k-8k-pcm.wav"));
        Assert.Same(first.Prompt, second.Prompt);
        Assert.Equal(1, cache.Count);
        Assert.Equal(50, first.Prompt!.FrameCount);
        Assert.Equal(160, first.Prompt.Frame(Acd.Media.Codecs.G711Law.MuLaw, 49).Length);
        Assert.False(first.Prompt.Frame(Acd.Media.Codecs.G711Law.MuLaw, 3).SequenceEqual(first.Prompt.Frame(Acd.Media.Codecs.G711Law.ALaw, 3)));
    }

    [Fact]
    public void PromptCache_BadFile_NotCachedAndErrorNamesFile()
    {
        var cache = new PromptCache();
        var result = cache.Get(Fixtures.PathOf("three-channels.wav"));
        Assert.False(result.Success);
        Assert.Contains("three-channels.wav", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, cache.Count);
    }
}
