using Acd.Media.Clock;
using Acd.Transport.Clock;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Transport.Tests.Rtp;

public class PacingClockTests
{
    private sealed class Nothing : IPacedStream
    {
        public void OnTick(in PacingTick tick)
        {
        }
    }

    [Fact]
    public void Add_TwoWheels_StreamsBalancedAndRemovalFreesCapacity()
    {
        using var clock = new PacingClock(new FakeTimeProvider(), threads: 2);
        var handles = Enumerable.Range(0, 10).Select(_ => clock.Add(new Nothing())).ToList();
        Assert.Equal([5, 5], clock.Wheels.Select(w => w.Load));

        handles.Take(4).ToList().ForEach(h => h.Dispose());
        handles[0].Dispose(); // twice: counted once
        Assert.Equal(6, clock.Load);
        clock.Add(new Nothing());
        Assert.Equal(7, clock.Load);
        Assert.True(Math.Abs(clock.Wheels[0].Load - clock.Wheels[1].Load) <= 3);
    }

    [Fact]
    public void Start_NicenessAskedFor_PacingThreadsRunAtIt()
    {
        // Raising the nice value (lower priority) needs no privilege, so this runs anywhere; lowering it needs CAP_SYS_NICE.
        using var clock = new PacingClock(new FakeTimeProvider(), threads: 2, niceness: 5);
        clock.Start();

        if (!OperatingSystem.IsLinux())
        {
            Assert.False(SpinWait.SpinUntil(() => clock.ThreadNiceness is not null, TimeSpan.FromMilliseconds(200)));
            return;
        }

        Assert.True(SpinWait.SpinUntil(() => clock.ThreadNiceness is not null, TimeSpan.FromSeconds(5)));
        Assert.Equal(5, clock.ThreadNiceness);
        Assert.Equal(5, clock.Niceness);
    }

    [Theory]
    [InlineData(-21)]
    [InlineData(20)]
    public void Constructor_NicenessOutOfRange_Throws(int niceness) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacingClock(new FakeTimeProvider(), niceness: niceness));

    [Fact]
    public void Stalls_ClockJumpsAPeriodBetweenPasses_CountedOnce()
    {
        var time = new FakeTimeProvider();
        using var clock = new PacingClock(time, threads: 1, niceness: 0);
        clock.Start();
        if (!OperatingSystem.IsLinux())
        {
            return; // the thread's start is observable through ThreadNiceness, which exists on Linux only
        }

        Assert.True(SpinWait.SpinUntil(() => clock.ThreadNiceness is not null, TimeSpan.FromSeconds(5))); // the loop keeps time
        Assert.Equal(default, clock.Stalls);

        time.Advance(TimeSpan.FromMilliseconds(45)); // the loop's next pass sees a 45 ms gap

        Assert.True(SpinWait.SpinUntil(() => clock.Stalls.Count == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromMilliseconds(45), clock.Stalls.Longest);
        Assert.InRange(clock.Stalls.DuringGc, 0, 1);
    }
}
