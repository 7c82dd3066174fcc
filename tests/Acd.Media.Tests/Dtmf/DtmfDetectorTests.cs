using Acd.Media.Dtmf;

namespace Acd.Media.Tests.Dtmf;

public class DtmfDetectorTests
{
    private const string AllDigits = "123A456B789C*0#D";

    private static string Detect(short[] samples, int frame = 160)
    {
        var detector = new DtmfDetector();
        var digits = new char[4];
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < samples.Length; i += frame)
        {
            var n = detector.Process(samples.AsSpan(i, Math.Min(frame, samples.Length - i)), digits);
            result.Append(digits, 0, n);
        }

        return result.ToString();
    }

    [Theory]
    [InlineData("dtmf-loud.wav")]
    [InlineData("dtmf-quiet.wav")]
    [InlineData("dtmf-twist-high.wav")]
    [InlineData("dtmf-twist-low.wav")]
    [InlineData("dtmf-noise.wav")]
    public void Process_SoxDigits_DetectsEachOnce(string file) =>
        Assert.Equal(AllDigits, Detect(Fixtures.Wav(file)));

    [Fact]
    public void Process_OddFrameSizes_SameDigits() =>
        Assert.Equal(AllDigits, Detect(Fixtures.Wav("dtmf-loud.wav"), frame: 37));

    [Fact]
    public void Process_20msTones_RejectedAsTooShort() =>
        Assert.Equal(string.Empty, Detect(Fixtures.Wav("dtmf-short.wav")));

    [Fact]
    public void Process_OnePointFivePercentOffFrequency_Accepted() =>
        Assert.Equal("5", Detect(Fixtures.Wav("dtmf-5-plus1p5.wav")));

    [Theory]
    [InlineData("speech.wav")]
    [InlineData("speech-female.wav")]
    public void Process_EspeakSpeech_NoFalseDigits(string file) =>
        Assert.Equal(string.Empty, Detect(Fixtures.Wav(file)));

    [Fact]
    public void Process_TwistBeyondLimit_Rejected()
    {
        // Low group 12 dB above the high group: beyond the 4 dB reverse twist.
        var samples = new short[8000];
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)((8000 * Math.Sin(2 * Math.PI * 770 * n / 8000)) + (2000 * Math.Sin(2 * Math.PI * 1336 * n / 8000)));
        }

        Assert.Equal(string.Empty, Detect(samples));
    }

    [Fact]
    public void Options_Invalid_ReturnsEveryError()
    {
        var errors = new DtmfDetectorOptions { BlockSize = 10, MinimumAmplitude = 0, MinimumToneEnergyFraction = 2, BlocksToDeclare = 0 }.Validate();
        Assert.Equal(4, errors.Count);
    }
}

public class DtmfFrequencyToleranceTests
{
    private static string DetectSynthetic(double low, double high, double deviation)
    {
        var samples = new short[800]; // 100 ms
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)(6000 * (Math.Sin(2 * Math.PI * low * (1 + deviation) * n / 8000) + Math.Sin(2 * Math.PI * high * (1 + deviation) * n / 8000)));
        }

        var detector = new DtmfDetector();
        var digits = new char[8];
        var count = detector.Process(samples, digits);
        return new string(digits, 0, count);
    }

    [Theory]
    [InlineData(697, 1209, "1")]
    [InlineData(770, 1336, "5")]
    [InlineData(852, 1477, "9")]
    [InlineData(941, 1633, "D")]
    public void Process_WithinOnePointFivePercent_Accepted(double low, double high, string digit)
    {
        Assert.Equal(digit, DetectSynthetic(low, high, 0.015));
        Assert.Equal(digit, DetectSynthetic(low, high, -0.015));
    }

    [Theory]
    [InlineData(697, 1209)]
    [InlineData(770, 1336)]
    [InlineData(852, 1477)]
    [InlineData(941, 1633)]
    public void Process_ThreePointFivePercentOff_Rejected(double low, double high)
    {
        Assert.Equal(string.Empty, DetectSynthetic(low, high, 0.035));
        Assert.Equal(string.Empty, DetectSynthetic(low, high, -0.035));
    }
}
