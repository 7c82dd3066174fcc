using System.Collections.Concurrent;
using Acd.Media.Codecs;

namespace Acd.Media.Audio;

/// <summary>
/// Audio ready to send: encoded once in both G.711 laws and cut into 20 ms frames of 160 bytes (the last frame
/// padded with silence), so playing it on any leg is a slice, not a transcode.
/// </summary>
public sealed class Prompt
{
    private readonly byte[] _muLaw;
    private readonly byte[] _aLaw;

    private Prompt(string name, byte[] muLaw, byte[] aLaw, int sampleCount)
    {
        Name = name;
        _muLaw = muLaw;
        _aLaw = aLaw;
        SampleCount = sampleCount;
    }

    /// <summary>The file or tone this came from.</summary>
    public string Name { get; }

    /// <summary>Number of 20 ms frames.</summary>
    public int FrameCount => _muLaw.Length / G711.SamplesPerFrame;

    /// <summary>Samples before padding.</summary>
    public int SampleCount { get; }

    /// <summary>Duration.</summary>
    public TimeSpan Duration => TimeSpan.FromMilliseconds(SampleCount / 8.0);

    /// <summary>Encodes 8 kHz samples into a prompt.</summary>
    public static Prompt FromSamples(string name, ReadOnlySpan<short> samples)
    {
        var frames = Math.Max(1, (samples.Length + G711.SamplesPerFrame - 1) / G711.SamplesPerFrame);
        var mu = new byte[frames * G711.SamplesPerFrame];
        var a = new byte[mu.Length];
        G711.Encode(G711Law.MuLaw, samples, mu);
        G711.Encode(G711Law.ALaw, samples, a);
        mu.AsSpan(samples.Length).Fill(G711.MuLawSilence);
        a.AsSpan(samples.Length).Fill(G711.ALawSilence);
        return new Prompt(name, mu, a, samples.Length);
    }

    /// <summary>The encoded bytes of frame <paramref name="index"/> (160 bytes).</summary>
    public ReadOnlySpan<byte> Frame(G711Law law, int index) =>
        (law == G711Law.MuLaw ? _muLaw : _aLaw).AsSpan(index * G711.SamplesPerFrame, G711.SamplesPerFrame);
}

/// <summary>The outcome of loading a prompt.</summary>
public readonly record struct PromptLoadResult(Prompt? Prompt, string? Error)
{
    /// <summary>Whether the prompt loaded.</summary>
    public bool Success => Prompt is not null;
}

/// <summary>
/// Loads each WAV file once (converted to 8 kHz mono and encoded in PCMU and PCMA) and shares it between calls.
/// Failures are not cached, so a fixed file loads on the next attempt.
/// </summary>
public sealed class PromptCache
{
    private readonly ConcurrentDictionary<string, Lazy<PromptLoadResult>> _prompts = new(StringComparer.Ordinal);

    /// <summary>Prompts currently cached.</summary>
    public int Count => _prompts.Count;

    /// <summary>Gets a cached prompt or loads it.</summary>
    public PromptLoadResult Get(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var key = Path.GetFullPath(path);
        var lazy = _prompts.GetOrAdd(key, static k => new Lazy<PromptLoadResult>(() => Load(k), LazyThreadSafetyMode.ExecutionAndPublication));
        var result = lazy.Value;
        if (!result.Success)
        {
            _prompts.TryRemove(new KeyValuePair<string, Lazy<PromptLoadResult>>(key, lazy));
        }

        return result;
    }

    /// <summary>Drops a prompt so the next <see cref="Get"/> reloads it (after the file changed).</summary>
    public bool Invalidate(string path) => _prompts.TryRemove(Path.GetFullPath(path), out _);

    private static PromptLoadResult Load(string path)
    {
        var wav = WavFile.Read(path);
        return wav.Audio is { } audio
            ? new PromptLoadResult(Prompt.FromSamples(path, audio.Samples), null)
            : new PromptLoadResult(null, wav.Error);
    }
}
