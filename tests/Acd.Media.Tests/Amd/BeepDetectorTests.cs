using Acd.Media.Amd;

namespace Acd.Media.Tests.Amd;

public sealed class BeepDetectorTests(AmdAudio audio) : IClassFixture<AmdAudio>
{
    private static List<Beep> Detect(short[] samples, BeepOptions? options = null)
    {
        var detector = new BeepDetector(options ?? new BeepOptions());
        var beeps = new List<Beep>();
        for (var i = 0; i + 160 <= samples.Length; i += 160)
        {
            if (detector.Feed(samples.AsSpan(i, 160)) is { } beep)
            {
                beeps.Add(beep);
            }
        }

        if (detector.Flush() is { } last)
        {
            beeps.Add(last);
        }

        return beeps;
    }

    private static short[] Sine(double frequency, double seconds, double amplitude = 12000)
    {
        var samples = new short[(int)(8000 * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(amplitude * Math.Sin(2 * Math.PI * frequency * i / 8000));
        }

        return samples;
    }

    [Fact]
    public void Feed_MachineGreetingWithBeep_OneBeepAtOneKilohertzAfterTheGreeting()
    {
        var beeps = Detect(audio.Machine);

        var beep = Assert.Single(beeps);
        Assert.InRange(beep.FrequencyHz, 980, 1020);
        Assert.InRange(beep.Duration.TotalMilliseconds, 440, 520);

        // The beep sits after the speech and one second of silence, 1 s before the end.
        var end = TimeSpan.FromSeconds(audio.Machine.Length / 8000.0);
        Assert.InRange((end - beep.End).TotalMilliseconds, 960, 1040);
    }

    [Fact]
    public void Feed_HumanSpeech_NoBeep()
    {
        Assert.Empty(Detect(audio.HumanHello));
        Assert.Empty(Detect(audio.HumanFemale));
    }

    [Theory]
    [InlineData(440)]
    [InlineData(850)]
    [InlineData(1400)]
    [InlineData(2000)]
    public void Feed_PureTone_DetectedAtItsFrequency(double frequency)
    {
        var samples = new short[8000].Concat(Sine(frequency, 0.3)).Concat(new short[1600]).ToArray();

        var beep = Assert.Single(Detect(samples));

        Assert.InRange(beep.FrequencyHz, frequency - 10, frequency + 10);
        Assert.Equal(TimeSpan.FromSeconds(1), beep.Start);
        Assert.Equal(TimeSpan.FromSeconds(1.3), beep.End);
    }

    [Fact]
    public void Feed_ToneShorterThanMinimum_Ignored()
    {
        var samples = Sine(1000, 0.06).Concat(new short[1600]).ToArray();

        Assert.Empty(Detect(samples));
    }

    [Fact]
    public void Feed_QuietTone_Ignored()
    {
        Assert.Empty(Detect(Sine(1000, 0.5, amplitude: 200)));
    }

    [Fact]
    public void Feed_TwoToneChord_NotABeep()
    {
        var a = Sine(700, 0.5, 6000);
        var b = Sine(1200, 0.5, 6000);
        var chord = a.Zip(b, (x, y) => (short)(x + y)).ToArray();

        Assert.Empty(Detect(chord));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BeepDetector(new BeepOptions { MinFrequencyHz = 5000 }));
    }
}
