using System.Buffers;
using Acd.Sip;
using Acd.Sip.Framing;
using Acd.Testing.Buffers;
using Acd.Testing.Sip;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Sip;

/// <summary>Cutting an INVITE out of a TCP stream, in one segment and in 16 segments.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SipFramerBenchmarks
{
    private readonly ReadOnlySequence<byte> _single = new(SampleMessages.Invite);
    private readonly ReadOnlySequence<byte> _fragmented = FragmentedSequence.Create(FragmentedSequence.Chunks(SampleMessages.Invite, 64));
    private readonly SipStreamFramer _framer = new(SipParserLimits.Default);

    [Benchmark(Baseline = true, Description = "frame INVITE, 1 segment")]
    public long FrameSingle()
    {
        var buffer = _single;
        _framer.TryReadFrame(ref buffer, out var frame, out _);
        return frame.Length;
    }

    [Benchmark(Description = "frame INVITE, 64-byte segments")]
    public long FrameFragmented()
    {
        var buffer = _fragmented;
        _framer.TryReadFrame(ref buffer, out var frame, out _);
        return frame.Length;
    }
}
