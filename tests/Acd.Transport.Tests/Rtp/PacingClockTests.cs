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
}
