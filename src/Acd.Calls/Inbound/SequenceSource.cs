using Acd.Media.Codecs;
using Acd.Media.Players;

namespace Acd.Calls.Inbound;

/// <summary>Plays <c>first</c> to its end, then <c>then</c> (an announcement followed by music on hold, without a gap).</summary>
internal sealed class SequenceSource(IFrameSource first, IFrameSource then) : IFrameSource
{
    private bool _firstDone;

    public bool BargeIn => false;

    public bool ReadFrame(G711Law law, Span<byte> frame)
    {
        if (!_firstDone)
        {
            if (first.ReadFrame(law, frame))
            {
                return true;
            }

            _firstDone = true;
        }

        return then.ReadFrame(law, frame);
    }

    public void Skip(int frames)
    {
        if (_firstDone)
        {
            then.Skip(frames);
        }
        else
        {
            first.Skip(frames);
        }
    }
}
