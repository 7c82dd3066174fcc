using System.Buffers;

namespace Acd.Testing.Buffers;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/> values to test parsers on split input.</summary>
public static class FragmentedSequence
{
    /// <summary>A sequence whose segments are the given arrays, in order.</summary>
    public static ReadOnlySequence<byte> Create(params byte[][] segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(segments[0], 0);
        var last = first;
        for (var i = 1; i < segments.Length; i++)
        {
            last = last.Append(segments[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="data"/> into chunks of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static byte[][] Chunks(ReadOnlySpan<byte> data, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var list = new List<byte[]>();
        for (var i = 0; i < data.Length; i += size)
        {
            list.Add(data.Slice(i, Math.Min(size, data.Length - i)).ToArray());
        }

        return [.. list];
    }

    /// <summary>Splits <paramref name="data"/> at random points (1..<paramref name="maxSize"/> bytes per chunk).</summary>
    public static byte[][] RandomChunks(ReadOnlySpan<byte> data, Random random, int maxSize)
    {
        ArgumentNullException.ThrowIfNull(random);
        var list = new List<byte[]>();
        for (var i = 0; i < data.Length;)
        {
            var n = Math.Min(random.Next(1, maxSize + 1), data.Length - i);
            list.Add(data.Slice(i, n).ToArray());
            i += n;
        }

        return [.. list];
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
