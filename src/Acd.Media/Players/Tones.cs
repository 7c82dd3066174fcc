using Acd.Media.Audio;

namespace Acd.Media.Players;

/// <summary>A call-progress tone: up to two frequencies and an on/off cadence.</summary>
public sealed record ToneSpec(string Name, double Frequency1, double Frequency2, TimeSpan On, TimeSpan Off, double LevelDbm0 = -13)
{
    /// <summary>North American ringback: 440+480 Hz, 2 s on, 4 s off.</summary>
    public static ToneSpec Ringback { get; } = new("ringback", 440, 480, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), -19);

    /// <summary>Busy: 480+620 Hz, 0.5 s on, 0.5 s off.</summary>
    public static ToneSpec Busy { get; } = new("busy", 480, 620, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), -24);

    /// <summary>Beep (recording notice, prompt for a message): 1000 Hz, 200 ms, once.</summary>
    public static ToneSpec Beep { get; } = new("beep", 1000, 0, TimeSpan.FromMilliseconds(200), TimeSpan.Zero, -10);
}

/// <summary>Builds tones as prompts (one cadence cycle), cached per spec, so tones are played like prompts.</summary>
public static class ToneGenerator
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ToneSpec, Prompt> Cache = new();
    private static readonly double[] DtmfRows = [697, 770, 852, 941];
    private static readonly double[] DtmfColumns = [1209, 1336, 1477, 1633];

    /// <summary>One cadence cycle of <paramref name="spec"/> as a prompt.</summary>
    public static Prompt Build(ToneSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Cache.GetOrAdd(spec, static s => Prompt.FromSamples(s.Name, Synthesize(s)));
    }

    /// <summary>A player of the tone: looping cadence for ringback/busy, once for a beep (no off time).</summary>
    public static PromptPlayer Player(ToneSpec spec, bool bargeIn = false) =>
        new([Build(spec)], loop: spec.Off > TimeSpan.Zero, bargeIn: bargeIn);

    /// <summary>
    /// In-band DTMF for peers without telephone-event: each digit 100 ms of its two tones at -7 dBm0 each, 60 ms
    /// apart. Returns null when a character is not a DTMF digit.
    /// </summary>
    public static Prompt? Dtmf(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        const int On = 800;
        const int Gap = 480;
        var samples = new short[digits.Length * (On + Gap)];
        var amplitude = 32767 * Math.Pow(10, (-7 - 3.17) / 20);
        for (var d = 0; d < digits.Length; d++)
        {
            var code = Acd.Media.Dtmf.DtmfDigits.ToEvent(digits[d]);
            if (code < 0)
            {
                return null;
            }

            // Keypad order of the event codes: 1 2 3 A / 4 5 6 B / 7 8 9 C / * 0 # D.
            (int Row, int Col) key = code switch
            {
                0 => (3, 1),
                >= 1 and <= 9 => ((code - 1) / 3, (code - 1) % 3),
                10 => (3, 0),
                11 => (3, 2),
                _ => (code - 12, 3),
            };
            var start = d * (On + Gap);
            for (var n = 0; n < On; n++)
            {
                var t = n / 8000.0;
                samples[start + n] = (short)Math.Round(amplitude * (Math.Sin(2 * Math.PI * DtmfRows[key.Row] * t) + Math.Sin(2 * Math.PI * DtmfColumns[key.Col] * t)));
            }
        }

        return Prompt.FromSamples("dtmf:" + digits, samples);
    }

    internal static short[] Synthesize(ToneSpec spec)
    {
        var on = (int)(spec.On.TotalSeconds * 8000);
        var off = (int)(spec.Off.TotalSeconds * 8000);
        var samples = new short[on + off];

        // 0 dBm0 is a sine of amplitude ~22 700 in G.711's 16-bit scale (3.17 dBm0 at full scale).
        var amplitude = 32767 * Math.Pow(10, (spec.LevelDbm0 - 3.17) / 20);
        var parts = spec.Frequency2 > 0 ? 2 : 1;
        for (var n = 0; n < on; n++)
        {
            var t = n / 8000.0;
            var v = Math.Sin(2 * Math.PI * spec.Frequency1 * t);
            if (parts == 2)
            {
                v += Math.Sin(2 * Math.PI * spec.Frequency2 * t);
            }

            samples[n] = (short)Math.Round(amplitude * v);
        }

        return samples;
    }
}
