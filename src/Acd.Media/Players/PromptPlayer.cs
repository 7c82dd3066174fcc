using Acd.Media.Audio;
using Acd.Media.Codecs;

namespace Acd.Media.Players;

/// <summary>
/// Plays prompts one after another ("you are caller number" "3"), once or looping (music on hold). Frames are
/// slices of the cached prompts: no decoding or encoding per call.
/// </summary>
public sealed class PromptPlayer : IFrameSource
{
    private Prompt[] _prompts;
    private int _count;
    private int _prompt;
    private int _frame;

    /// <summary>Plays <paramref name="prompts"/> in order; <paramref name="loop"/> restarts at the first.</summary>
    public PromptPlayer(IReadOnlyList<Prompt> prompts, bool loop = false, bool bargeIn = false)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is required.", nameof(prompts));
        }

        _prompts = [.. prompts];
        _count = _prompts.Length;
        Loop = loop;
        BargeIn = bargeIn;
    }

    /// <summary>
    /// Plays <paramref name="prompts"/> from their first frame, reusing this player and its buffer (a caller that
    /// starts many prompts keeps a few players instead of allocating one per prompt). Only while no leg plays it:
    /// after the leg reported its end, or before it is given to one.
    /// </summary>
    public void Reset(IReadOnlyList<Prompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is required.", nameof(prompts));
        }

        if (_prompts.Length < prompts.Count)
        {
            _prompts = new Prompt[prompts.Count];
        }

        for (var i = 0; i < prompts.Count; i++)
        {
            _prompts[i] = prompts[i];
        }

        Array.Clear(_prompts, prompts.Count, _prompts.Length - prompts.Count); // no stale prompt kept alive
        _count = prompts.Count;
        _prompt = 0;
        _frame = 0;
        FramesPlayed = 0;
    }

    /// <summary>Whether playback restarts after the last prompt.</summary>
    public bool Loop { get; }

    /// <inheritdoc />
    public bool BargeIn { get; }

    /// <summary>Frames played.</summary>
    public long FramesPlayed { get; private set; }

    /// <inheritdoc />
    public bool ReadFrame(G711Law law, Span<byte> frame)
    {
        if (!Advance())
        {
            return false;
        }

        _prompts[_prompt].Frame(law, _frame).CopyTo(frame);
        _frame++;
        FramesPlayed++;
        return true;
    }

    /// <inheritdoc />
    public void Skip(int frames)
    {
        for (var i = 0; i < frames && Advance(); i++)
        {
            _frame++;
        }
    }

    private bool Advance()
    {
        while (_frame >= _prompts[_prompt].FrameCount)
        {
            _frame = 0;
            _prompt++;
            if (_prompt == _count)
            {
                if (!Loop)
                {
                    _prompt = _count - 1;
                    _frame = _prompts[_prompt].FrameCount;
                    return false;
                }

                _prompt = 0;
            }
        }

        return true;
    }
}
