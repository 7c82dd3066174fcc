using System.Runtime.InteropServices;
using Acd.Media.Audio;

namespace Acd.Media.Tests;

internal static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static short[] Int16(string name) => MemoryMarshal.Cast<byte, short>(Bytes(name)).ToArray();

    public static short[] Wav(string name)
    {
        var result = WavFile.Read(PathOf(name));
        Assert.True(result.Success, result.Error);
        return result.Audio!.Samples;
    }

    /// <summary>Amplitude of <paramref name="frequency"/> in <paramref name="samples"/> (single-bin DFT).</summary>
    public static double Amplitude(ReadOnlySpan<short> samples, double frequency, int rate = 8000)
    {
        double re = 0, im = 0;
        for (var n = 0; n < samples.Length; n++)
        {
            var w = 2 * Math.PI * frequency * n / rate;
            re += samples[n] * Math.Cos(w);
            im -= samples[n] * Math.Sin(w);
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / samples.Length;
    }
}
