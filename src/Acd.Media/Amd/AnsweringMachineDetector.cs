namespace Acd.Media.Amd;

/// <summary>The verdict of answering-machine detection.</summary>
public enum AmdStatus
{
    Human,
    Machine,

    /// <summary>No verdict within the analysis time (treated as a human by the dialer: a person may be waiting).</summary>
    NotSure,
}

/// <summary>Why the verdict was reached (app_amd's AMDCAUSE).</summary>
public enum AmdCause
{
    /// <summary>Silence after a short greeting: someone said "Hello?" and waits.</summary>
    HumanAfterGreetingSilence,

    /// <summary>Nothing said for the initial-silence time.</summary>
    InitialSilence,

    /// <summary>Greeting voice longer than allowed.</summary>
    LongGreeting,

    /// <summary>Too many words.</summary>
    MaxWords,

    /// <summary>One word too long (a continuous tone or noise).</summary>
    MaxWordLength,

    /// <summary>Total analysis time spent without a verdict.</summary>
    TooLong,
}

/// <summary>A verdict and the audio time it took.</summary>
public readonly record struct AmdResult(AmdStatus Status, AmdCause Cause, TimeSpan AnalysisTime, int Words);

/// <summary>
/// Answering-machine detection over 8 kHz 16-bit PCM, fed frame by frame (normally 20 ms): energy per frame
/// decides voice or silence, voice runs of at least the minimum word length are words, and the verdict follows
/// the app_amd rules (initial silence, greeting length, word count and length, after-greeting silence, total
/// time). Pure and allocation-free per frame; one instance per call; a verdict is final.
/// </summary>
public sealed class AnsweringMachineDetector
{
    private const int SampleRate = 8000;
    private readonly AmdOptions _options;
    private long _samples;
    private int _silenceMs;
    private int _voiceMs;
    private int _greetingVoiceMs;
    private int _words;
    private bool _inWord;
    private bool _inGreeting;
    private double _pendingMs;

    public AnsweringMachineDetector(AmdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
    }

    public AmdResult? Result { get; private set; }

    public TimeSpan Elapsed => TimeSpan.FromTicks(_samples * TimeSpan.TicksPerSecond / SampleRate);

    /// <summary>Analyses one frame; returns the verdict once reached (and on every later call).</summary>
    public AmdResult? Feed(ReadOnlySpan<short> frame)
    {
        if (Result is not null || frame.IsEmpty)
        {
            return Result;
        }

        long sum = 0;
        foreach (var s in frame)
        {
            sum += Math.Abs((int)s);
        }

        _samples += frame.Length;
        var ms = (frame.Length * 1000.0 / SampleRate) + _pendingMs;
        var step = (int)ms;
        _pendingMs = ms - step;
        var silent = sum / frame.Length < _options.SilenceThreshold;
        if (silent)
        {
            _silenceMs += step;
            if (_voiceMs > 0 && _voiceMs < _options.MinimumWordLengthMs)
            {
                _voiceMs = 0; // noise burst, not a word; the silence it interrupted keeps counting
            }

            if (_inWord && _silenceMs >= _options.BetweenWordsSilenceMs)
            {
                _inWord = false;
                _voiceMs = 0;
            }

            if (!_inGreeting && _words == 0 && _silenceMs >= _options.InitialSilenceMs)
            {
                return Decide(AmdStatus.Machine, AmdCause.InitialSilence);
            }

            if (_inGreeting && _silenceMs >= _options.AfterGreetingSilenceMs)
            {
                return Decide(AmdStatus.Human, AmdCause.HumanAfterGreetingSilence);
            }
        }
        else
        {
            _voiceMs += step;
            if (_inGreeting)
            {
                _greetingVoiceMs += step;
            }

            if (_voiceMs >= _options.MinimumWordLengthMs)
            {
                if (!_inWord)
                {
                    _inWord = true;
                    _words++;
                    if (!_inGreeting)
                    {
                        _inGreeting = true;
                        _greetingVoiceMs = _voiceMs;
                    }

                    if (_words >= _options.MaximumNumberOfWords)
                    {
                        return Decide(AmdStatus.Machine, AmdCause.MaxWords);
                    }
                }

                _silenceMs = 0;
                if (_voiceMs >= _options.MaximumWordLengthMs)
                {
                    return Decide(AmdStatus.Machine, AmdCause.MaxWordLength);
                }

                if (_greetingVoiceMs >= _options.GreetingMs)
                {
                    return Decide(AmdStatus.Machine, AmdCause.LongGreeting);
                }
            }
        }

        return Elapsed.TotalMilliseconds >= _options.TotalAnalysisTimeMs ? Decide(AmdStatus.NotSure, AmdCause.TooLong) : null;
    }

    /// <summary>Ends analysis early (the caller's deadline): NOTSURE unless a verdict was reached.</summary>
    public AmdResult Stop() => Result ?? Decide(AmdStatus.NotSure, AmdCause.TooLong)!.Value;

    private AmdResult? Decide(AmdStatus status, AmdCause cause)
    {
        Result = new AmdResult(status, cause, Elapsed, _words);
        return Result;
    }
}
