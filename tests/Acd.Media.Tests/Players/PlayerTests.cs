using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;

namespace Acd.Media.Tests.Players;

public class PlayerTests
{
    private static Prompt Numbered(string name, int frames, short value) =>
        Prompt.FromSamples(name, Enumerable.Repeat(value, frames * 160).ToArray());

    [Fact]
    public void PromptPlayer_Sequence_PlaysEachPromptThenFinishes()
    {
        var player = new PromptPlayer([Numbered("you are caller", 3, 1000), Numbered("three", 2, -1000)]);
        var frame = new byte[160];
        var codes = new List<byte>();
        while (player.ReadFrame(G711Law.MuLaw, frame))
        {
            codes.Add(frame[0]);
        }

        Assert.Equal(5, codes.Count);
        Assert.Equal(G711.LinearToMuLaw(1000), codes[0]);
        Assert.Equal(G711.LinearToMuLaw(-1000), codes[4]);
        Assert.False(player.ReadFrame(G711Law.MuLaw, frame));
    }

    [Fact]
    public void PromptPlayer_Loop_RestartsForever()
    {
        var player = new PromptPlayer([Numbered("moh", 2, 500)], loop: true);
        var frame = new byte[160];
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(player.ReadFrame(G711Law.ALaw, frame));
        }

        player.Skip(7);
        Assert.True(player.ReadFrame(G711Law.ALaw, frame));
    }

    [Fact]
    public void PromptPlayer_LastFramePadded_WithSilence()
    {
        var prompt = Prompt.FromSamples("short", new short[200]);
        Assert.Equal(2, prompt.FrameCount);
        Assert.All(prompt.Frame(G711Law.ALaw, 1)[40..].ToArray(), b => Assert.Equal(G711.ALawSilence, b));
    }

    [Fact]
    public void ToneGenerator_Busy_HasBothFrequenciesAndCadence()
    {
        var samples = ToneGenerator.Synthesize(ToneSpec.Busy);
        Assert.Equal(8000, samples.Length);
        var on = samples.AsSpan(0, 4000);
        Assert.True(Fixtures.Amplitude(on, 480) > 1000);
        Assert.True(Fixtures.Amplitude(on, 620) > 1000);
        Assert.True(Fixtures.Amplitude(on, 1000) < 50);
        Assert.All(samples[4000..], s => Assert.Equal(0, s));
    }

    [Fact]
    public void ToneGenerator_Beep_PlaysOnceAndIsCached()
    {
        Assert.Same(ToneGenerator.Build(ToneSpec.Beep), ToneGenerator.Build(ToneSpec.Beep));
        var player = ToneGenerator.Player(ToneSpec.Beep);
        var frame = new byte[160];
        var frames = 0;
        while (player.ReadFrame(G711Law.MuLaw, frame))
        {
            frames++;
        }

        Assert.Equal(10, frames);
    }

    [Fact]
    public void ToneGenerator_RingbackThroughDetector_NoDigit()
    {
        var detector = new DtmfDetector();
        var digits = new char[4];
        var samples = ToneGenerator.Synthesize(ToneSpec.Ringback);
        Assert.Equal(0, detector.Process(samples, digits));
    }

    [Fact]
    public void SilenceSource_Duration_EndsAfterFrames()
    {
        var silence = new SilenceSource(TimeSpan.FromMilliseconds(100));
        var frame = new byte[160];
        var frames = 0;
        while (silence.ReadFrame(G711Law.MuLaw, frame))
        {
            Assert.All(frame, b => Assert.Equal(G711.MuLawSilence, b));
            frames++;
        }

        Assert.Equal(5, frames);
    }
}

public class InbandDtmfGeneratorTests
{
    [Fact]
    public void Dtmf_AllDigits_DetectorHearsThemBackThroughPcma()
    {
        const string Digits = "123A456B789C*0#D";
        var prompt = ToneGenerator.Dtmf(Digits)!;
        var detector = new DtmfDetector();
        var pcm = new short[160];
        var found = new char[2];
        var heard = new System.Text.StringBuilder();
        for (var f = 0; f < prompt.FrameCount; f++)
        {
            G711.Decode(G711Law.ALaw, prompt.Frame(G711Law.ALaw, f), pcm);
            heard.Append(found, 0, detector.Process(pcm, found));
        }

        Assert.Equal(Digits, heard.ToString());
    }

    [Fact]
    public void Dtmf_InvalidCharacter_Null() => Assert.Null(ToneGenerator.Dtmf("12x"));
}
