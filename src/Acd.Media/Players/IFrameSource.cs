using Acd.Media.Codecs;

namespace Acd.Media.Players;

/// <summary>
/// Something a leg plays: yields one 20 ms frame (160 bytes) per call, already in the leg's law. Called by the
/// pacing loop only, so implementations are single-threaded and must not block or allocate.
/// </summary>
public interface IFrameSource
{
    /// <summary>Writes the next frame; false when finished (nothing written).</summary>
    bool ReadFrame(G711Law law, Span<byte> frame);

    /// <summary>Skips frames that could not be sent on time (the loop stalled); keeps playback on the wall clock.</summary>
    void Skip(int frames);

    /// <summary>Whether a DTMF digit stops this source (barge-in).</summary>
    bool BargeIn { get; }
}

/// <summary>Silence for a duration, or forever.</summary>
public sealed class SilenceSource : IFrameSource
{
    private long _remaining;

    /// <summary>Silence for <paramref name="duration"/>; null plays until stopped.</summary>
    public SilenceSource(TimeSpan? duration = null, bool bargeIn = false)
    {
        _remaining = duration is { } d ? (long)Math.Ceiling(d.TotalMilliseconds / 20) : long.MaxValue;
        BargeIn = bargeIn;
    }

    /// <inheritdoc />
    public bool BargeIn { get; }

    /// <inheritdoc />
    public bool ReadFrame(G711Law law, Span<byte> frame)
    {
        if (_remaining <= 0)
        {
            return false;
        }

        _remaining--;
        frame[..G711.SamplesPerFrame].Fill(G711.Silence(law));
        return true;
    }

    /// <inheritdoc />
    public void Skip(int frames) => _remaining = Math.Max(0, _remaining - frames);
}
