using Acd.Media.Clock;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Media.Tests.Clock;

public class MediaSchedulerTests
{
    private sealed class Recorder : IPacedStream
    {
        public List<PacingTick> Ticks { get; } = [];

        public void OnTick(in PacingTick tick) => Ticks.Add(tick);
    }

    private static long Ms(FakeTimeProvider time, double ms) => (long)(ms * time.TimestampFrequency / 1000);

    [Fact]
    public void RunDue_EveryMillisecond_EachStreamTicksEvery20ms()
    {
        var time = new FakeTimeProvider();
        var scheduler = new MediaScheduler(time.TimestampFrequency);
        var streams = Enumerable.Range(0, 40).Select(_ => new Recorder()).ToArray();
        foreach (var s in streams)
        {
            scheduler.Add(s);
        }

        for (var ms = 0; ms < 200; ms++)
        {
            scheduler.RunDue(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        foreach (var s in streams)
        {
            Assert.InRange(s.Ticks.Count, 9, 10);
            for (var i = 1; i < s.Ticks.Count; i++)
            {
                Assert.Equal(Ms(time, 20), s.Ticks[i].ScheduledTimestamp - s.Ticks[i - 1].ScheduledTimestamp);
            }
        }

        Assert.Equal(0, scheduler.Lateness.Max);
    }

    [Fact]
    public void Add_ManyStreams_SpreadEvenlyOverSlots()
    {
        var time = new FakeTimeProvider();
        var scheduler = new MediaScheduler(time.TimestampFrequency);
        for (var i = 0; i < 100; i++)
        {
            scheduler.Add(new Recorder());
        }

        var start = time.GetTimestamp();
        var perMs = new List<int>();
        for (var ms = 0; ms < 20; ms++)
        {
            perMs.Add(scheduler.RunDue(start + Ms(time, ms)));
        }

        Assert.All(perMs, n => Assert.Equal(5, n));
    }

    [Fact]
    public void RunDue_LoopStalled100ms_NoBurstAndMissedFramesReported()
    {
        var time = new FakeTimeProvider();
        var scheduler = new MediaScheduler(time.TimestampFrequency);
        var stream = new Recorder();
        scheduler.Add(stream);
        for (var ms = 0; ms < 40; ms++)
        {
            scheduler.RunDue(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var before = stream.Ticks.Count;
        time.Advance(TimeSpan.FromMilliseconds(100)); // GC pause, CPU starvation
        scheduler.RunDue(time.GetTimestamp());

        Assert.Equal(before + 1, stream.Ticks.Count); // one frame, not a burst of five
        Assert.Equal(5, stream.Ticks[^1].MissedFrames); // due at 40, 60, 80, 100, 120; sent at 140
    }

    [Fact]
    public void Remove_Stream_GetsNoMoreTicks()
    {
        var time = new FakeTimeProvider();
        var scheduler = new MediaScheduler(time.TimestampFrequency);
        var stream = new Recorder();
        var handle = scheduler.Add(stream);
        scheduler.RunDue(time.GetTimestamp());
        handle.Dispose();
        for (var ms = 0; ms < 100; ms++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            scheduler.RunDue(time.GetTimestamp());
        }

        Assert.Single(stream.Ticks);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public void RunDue_LateLoop_MeasuresSendTimeError()
    {
        var time = new FakeTimeProvider();
        var scheduler = new MediaScheduler(time.TimestampFrequency);
        var handle = scheduler.Add(new Recorder());
        scheduler.RunDue(time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(23)); // due at 20, runs at 23
        scheduler.RunDue(time.GetTimestamp());

        Assert.Equal(0.003, handle.MaxLatenessSeconds, 6);
        Assert.InRange(scheduler.Lateness.Percentile(0.99), 0.003, 0.00302);
    }
}
