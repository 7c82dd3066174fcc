namespace Acd.Media.Audio;

/// <summary>
/// Band-limited sample-rate conversion for prompts loaded at another rate: a windowed-sinc (Blackman) low-pass
/// evaluated at each output instant, cut off a little below the lower Nyquist frequency so downsampling does not
/// alias. Runs once per prompt at load, not per call.
/// </summary>
public static class Resampler
{
    private const int ZeroCrossings = 16;

    /// <summary>Converts <paramref name="input"/> from <paramref name="fromRate"/> to <paramref name="toRate"/>.</summary>
    public static short[] Resample(ReadOnlySpan<short> input, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        var ratio = (double)toRate / fromRate;
        var cutoff = Math.Min(1.0, ratio) * 0.92; // fraction of the input Nyquist
        var halfWidth = ZeroCrossings / cutoff;   // in input samples
        var outputLength = (int)((long)input.Length * toRate / fromRate);
        var output = new short[outputLength];
        for (var n = 0; n < outputLength; n++)
        {
            var t = n / ratio;
            var first = (int)Math.Ceiling(t - halfWidth);
            var last = (int)Math.Floor(t + halfWidth);
            double sum = 0;
            for (var k = Math.Max(0, first); k <= last && k < input.Length; k++)
            {
                var x = k - t;
                sum += input[k] * Kernel(x, cutoff, halfWidth);
            }

            output[n] = (short)Math.Clamp(Math.Round(sum), short.MinValue, short.MaxValue);
        }

        return output;
    }

    private static double Kernel(double x, double cutoff, double halfWidth)
    {
        var sinc = x == 0 ? 1.0 : Math.Sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
        var w = (x / halfWidth + 1) / 2; // 0..1 over the window
        var window = 0.42 - (0.5 * Math.Cos(2 * Math.PI * w)) + (0.08 * Math.Cos(4 * Math.PI * w));
        return cutoff * sinc * window;
    }
}
