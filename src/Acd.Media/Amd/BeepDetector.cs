namespace Acd.Media.Amd;

/// <summary>Parameters of the beep detector (the tone after a machine greeting).</summary>
public sealed record BeepOptions
{
    public double MinFrequencyHz { get; init; } = 300;

    public double MaxFrequencyHz { get; init; } = 3000;

    /// <summary>Shortest tone taken as a beep.</summary>
    public int MinDurationMs { get; init; } = 120;

    /// <summary>Longest tone taken as a beep (longer is a dial tone or a fault, reported when it ends as nothing).</summary>
    public int MaxDurationMs { get; init; } = 5000;

    /// <summary>Share of the frame's energy at the tone's frequency (1 = pure sine); speech stays well below.</summary>
    public double MinTonality { get; init; } = 0.7;

    /// <summary>Mean absolute sample value under which a frame is silence.</summary>
    public int MinLevel { get; init; } = 300;

    /// <summary>Frequency drift allowed between frames of one tone.</summary>
    public double MaxDriftHz { get; init; } = 40;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(MinFrequencyHz >= 100 && MinFrequencyHz < MaxFrequencyHz && MaxFrequencyHz <= 3800))
        {
            errors.Add("beep.minFrequencyHz/maxFrequencyHz: need 100 <= min < max <= 3800");
        }

        if (MinDurationMs is < 40 or > 2000 || MaxDurationMs < MinDurationMs)
        {
            errors.Add("beep.minDurationMs: must be in [40, 2000] and <= maxDurationMs");
        }

        if (!(MinTonality > 0.1 && MinTonality <= 1))
        {
            errors.Add("beep.minTonality: must be in (0.1, 1]");
        }

        if (MinLevel is < 1 or > 32767)
        {
            errors.Add("beep.minLevel: must be in [1, 32767]");
        }

        if (!(MaxDriftHz > 0))
        {
            errors.Add("beep.maxDriftHz: must be positive");
        }

        return errors;
    }
}

/// <summary>A detected beep: its frequency and where it started and ended in the fed audio.</summary>
public readonly record struct Beep(double FrequencyHz, TimeSpan Start, TimeSpan End)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>
/// Detects a single-frequency beep in 8 kHz 16-bit PCM fed frame by frame: each frame's frequency is estimated
/// from its zero crossings and confirmed by a Goertzel filter at that frequency holding most of the frame's energy
/// (speech spreads its energy; a beep does not). A run of such frames at a steady frequency that lasts the
/// minimum duration is reported when it ends, so a message can start right after the beep. O(n) per frame, no
/// allocation.
/// </summary>
public sealed class BeepDetector
{
    private const int SampleRate = 8000;
    private readonly BeepOptions _options;
    private long _samples;
    private long _toneStart = -1;
    private double _toneFrequency;
    private int _toneFrames;

    public BeepDetector(BeepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
    }

    /// <summary>Analyses one frame; returns a beep when one has just ended.</summary>
    public Beep? Feed(ReadOnlySpan<short> frame)
    {
        if (frame.Length < 32)
        {
            _samples += frame.Length;
            return null;
        }

        var start = _samples;
        _samples += frame.Length;
        var frequency = ToneFrequency(frame);
        var continues = frequency > 0 && (_toneStart < 0 || Math.Abs(frequency - _toneFrequency) <= _options.MaxDriftHz);
        if (continues)
        {
            if (_toneStart < 0)
            {
                _toneStart = start;
                _toneFrequency = frequency;
                _toneFrames = 1;
            }
            else
            {
                _toneFrequency += (frequency - _toneFrequency) / ++_toneFrames;
            }

            return null;
        }

        var ended = EndTone(start);
        if (frequency > 0)
        {
            _toneStart = start;
            _toneFrequency = frequency;
            _toneFrames = 1;
        }

        return ended;
    }

    /// <summary>Ends the input: reports a beep still sounding.</summary>
    public Beep? Flush() => EndTone(_samples);

    private Beep? EndTone(long end)
    {
        if (_toneStart < 0)
        {
            return null;
        }

        var durationMs = (end - _toneStart) * 1000.0 / SampleRate;
        var beep = durationMs >= _options.MinDurationMs && durationMs <= _options.MaxDurationMs
            ? new Beep(_toneFrequency, Time(_toneStart), Time(end))
            : (Beep?)null;
        _toneStart = -1;
        _toneFrames = 0;
        return beep;
    }

    /// <summary>The frame's frequency when it is a loud, nearly pure tone in range; else 0.</summary>
    internal double ToneFrequency(ReadOnlySpan<short> frame)
    {
        long abs = 0;
        double energy = 0;
        foreach (var s in frame)
        {
            abs += Math.Abs((int)s);
            energy += (double)s * s;
        }

        if (abs / frame.Length < _options.MinLevel)
        {
            return 0;
        }

        // Zero crossings (upward, interpolated): frequency = crossings over the time between the first and last.
        double first = -1, last = -1;
        var crossings = 0;
        for (var i = 1; i < frame.Length; i++)
        {
            if (frame[i - 1] < 0 && frame[i] >= 0)
            {
                var at = i - 1 + ((double)-frame[i - 1] / (frame[i] - frame[i - 1]));
                if (first < 0)
                {
                    first = at;
                }

                last = at;
                crossings++;
            }
        }

        if (crossings < 3)
        {
            return 0;
        }

        var frequency = (crossings - 1) * SampleRate / (last - first);
        if (frequency < _options.MinFrequencyHz || frequency > _options.MaxFrequencyHz)
        {
            return 0;
        }

        var tonality = Goertzel(frame, frequency) * 2 / (energy * frame.Length);
        return tonality >= _options.MinTonality ? frequency : 0;
    }

    private static double Goertzel(ReadOnlySpan<short> frame, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / SampleRate);
        double s1 = 0, s2 = 0;
        foreach (var x in frame)
        {
            var s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }

        return (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
    }

    private static TimeSpan Time(long samples) => TimeSpan.FromTicks(samples * TimeSpan.TicksPerSecond / SampleRate);
}
