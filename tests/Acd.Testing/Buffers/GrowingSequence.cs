using System.Buffers;

namespace Acd.Testing.Buffers;

/// <summary>
/// A receive buffer made of linked segments, as a pipe would hold it: chunks are appended at the end and the
/// consumer releases bytes from the front. O(1) per append and per consume.
/// </summary>
public sealed class GrowingSequence
{
    private Segment? _first;
    private Segment? _last;
    private int _firstIndex;

    /// <summary>The unconsumed bytes.</summary>
    public ReadOnlySequence<byte> Current =>
        _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, _firstIndex, _last!, _last!.Memory.Length);

    /// <summary>Appends one received chunk as its own segment.</summary>
    public void Append(byte[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Length == 0)
        {
            return;
        }

        if (_last is null)
        {
            _first = _last = new Segment(chunk, 0);
            _firstIndex = 0;
        }
        else
        {
            _last = _last.Append(chunk);
        }
    }

    /// <summary>Releases everything before <paramref name="position"/> (a position inside <see cref="Current"/>).</summary>
    public void ConsumeTo(SequencePosition position)
    {
        if (_first is null)
        {
            return;
        }

        var segment = (Segment?)position.GetObject();
        var index = position.GetInteger();
        if (segment is null || (segment == _last && index >= _last.Memory.Length))
        {
            _first = _last = null;
            _firstIndex = 0;
            return;
        }

        _first = segment;
        _firstIndex = index;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
