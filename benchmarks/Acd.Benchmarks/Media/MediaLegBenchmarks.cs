using Acd.Media;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Media;

/// <summary>
/// The media work of one paced frame without the send system call: a leg playing a looped prompt (lock, frame
/// slice, RTP header, counters) into a sink that drops the datagram; and the wheel driving 2,000 such legs for one
/// 20 ms period. Compare with media-load to see how much of a packet's cost is the kernel's.
/// </summary>
[MemoryDiagnoser]
public class MediaLegBenchmarks
{
    private readonly MediaMetrics _metrics = new();
    private MediaLeg _leg = null!;
    private MediaScheduler _wheel = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var prompt = ToneGenerator.Build(new ToneSpec("bench", 440, 620, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)));
        _leg = NewLeg(prompt, new Random(1));
        _wheel = new MediaScheduler(1000); // 1 tick = 1 ms
        var random = new Random(2);
        for (var i = 0; i < 2000; i++)
        {
            _wheel.Add(NewLeg(prompt, random));
        }

        _wheel.RunDue(0);
        _now = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark]
    public void OneLegOneFrame() => _leg.OnTick(new PacingTick(0, 0, 0));

    [Benchmark]
    public int TwoThousandLegsOnePeriod()
    {
        var delivered = 0;
        for (var ms = 0; ms < 20; ms++)
        {
            _now++;
            delivered += _wheel.RunDue(_now);
        }

        return delivered;
    }

    private MediaLeg NewLeg(Acd.Media.Audio.Prompt prompt, Random random)
    {
        var leg = new MediaLeg("bench", RtpSendStream.Create(random), _metrics);
        leg.Configure(new NegotiatedMedia { Codec = G711Law.ALaw, Direction = SdpDirection.SendRecv });
        leg.Sink = new DropSink();
        leg.Play(new PromptPlayer([prompt], loop: true));
        return leg;
    }

    private sealed class DropSink : IRtpSink
    {
        public void SendRtp(ReadOnlySpan<byte> datagram)
        {
        }
    }
}
