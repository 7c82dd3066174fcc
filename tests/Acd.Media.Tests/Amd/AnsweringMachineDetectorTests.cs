using Acd.Media.Amd;

namespace Acd.Media.Tests.Amd;

public sealed class AnsweringMachineDetectorTests(AmdAudio audio) : IClassFixture<AmdAudio>
{
    private const int Frame = 160;

    private static AmdResult Analyse(short[] samples, AmdOptions? options = null)
    {
        var detector = new AnsweringMachineDetector(options ?? new AmdOptions());
        for (var i = 0; i + Frame <= samples.Length; i += Frame)
        {
            if (detector.Feed(samples.AsSpan(i, Frame)) is { } result)
            {
                return result;
            }
        }

        return detector.Stop();
    }

    [Fact]
    public void Feed_ShortHelloThenSilence_HumanWithinTwoSeconds()
    {
        var result = Analyse(audio.HumanHello);

        Assert.Equal(AmdStatus.Human, result.Status);
        Assert.Equal(AmdCause.HumanAfterGreetingSilence, result.Cause);
        Assert.True(result.AnalysisTime < TimeSpan.FromSeconds(2), $"took {result.AnalysisTime}");
    }

    [Fact]
    public void Feed_ShortQuestionFemaleVoice_Human()
    {
        var result = Analyse(audio.HumanFemale);

        Assert.Equal(AmdStatus.Human, result.Status);
    }

    [Fact]
    public void Feed_LongVoicemailGreeting_MachineWithinGreetingTime()
    {
        var result = Analyse(audio.Machine);

        Assert.Equal(AmdStatus.Machine, result.Status);
        Assert.Contains(result.Cause, new[] { AmdCause.LongGreeting, AmdCause.MaxWords });
        Assert.True(result.AnalysisTime <= TimeSpan.FromMilliseconds(200 + 1500 + 100), $"took {result.AnalysisTime}");
    }

    [Fact]
    public void Feed_FastFemaleGreeting_Machine()
    {
        Assert.Equal(AmdStatus.Machine, Analyse(audio.MachineFast).Status);
    }

    [Fact]
    public void Feed_SilenceOnly_MachineByInitialSilence()
    {
        var result = Analyse(new short[8000 * 4]);

        Assert.Equal(AmdStatus.Machine, result.Status);
        Assert.Equal(AmdCause.InitialSilence, result.Cause);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), result.AnalysisTime);
    }

    [Fact]
    public void Feed_ContinuousNoiseWithHighWordLimit_MachineByWordLength()
    {
        var noise = new short[8000 * 3];
        var random = new Random(7);
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = (short)random.Next(-3000, 3000);
        }

        var result = Analyse(noise, new AmdOptions { GreetingMs = 10_000, MaximumWordLengthMs = 1000 });

        Assert.Equal(AmdStatus.Machine, result.Status);
        Assert.Equal(AmdCause.MaxWordLength, result.Cause);
    }

    [Fact]
    public void Stop_BeforeVerdict_NotSure()
    {
        var detector = new AnsweringMachineDetector(new AmdOptions());
        detector.Feed(audio.HumanHello.AsSpan(0, Frame));

        var result = detector.Stop();

        Assert.Equal(AmdStatus.NotSure, result.Status);
        Assert.Equal(AmdCause.TooLong, result.Cause);
    }

    [Fact]
    public void Feed_AfterTotalAnalysisTime_NotSure()
    {
        // Word, pause, word, pause ... each below the greeting length and word limit: no rule fires.
        var options = new AmdOptions { TotalAnalysisTimeMs = 1000, MaximumNumberOfWords = 50, AfterGreetingSilenceMs = 5000, GreetingMs = 5000 };
        var samples = new short[8000 * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (i / 1600) % 2 == 0 ? (short)(i % 2 == 0 ? 4000 : -4000) : (short)0;
        }

        var result = Analyse(samples, options);

        Assert.Equal(AmdStatus.NotSure, result.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), result.AnalysisTime);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithEveryError()
    {
        var e = Assert.Throws<ArgumentException>(() => new AnsweringMachineDetector(new AmdOptions { GreetingMs = 1, SilenceThreshold = 0 }));

        Assert.Contains("greetingMs", e.Message, StringComparison.Ordinal);
        Assert.Contains("silenceThreshold", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_EmptyFrame_NoVerdictNoTime()
    {
        var detector = new AnsweringMachineDetector(new AmdOptions());

        Assert.Null(detector.Feed([]));
        Assert.Equal(TimeSpan.Zero, detector.Elapsed);
    }
}
