using Acd.Media.Rtp;

namespace Acd.Media.Tests.Rtp;

public class RtpReceiveStatisticsTests
{
    [Fact]
    public void Update_GapsInSequence_CountsLossAndFraction()
    {
        var stats = new RtpReceiveStatistics();
        ushort seq = 100;
        uint ts = 0;
        for (var i = 0; i < 100; i++)
        {
            if (i % 10 != 5)
            {
                stats.Update(1, seq, ts, ts);
            }

            seq++;
            ts += 160;
        }

        Assert.Equal(100, stats.Expected);
        Assert.Equal(90, stats.Received);
        Assert.Equal(10, stats.CumulativeLost);
        var (fraction, cumulative, interval) = stats.TakeInterval();
        Assert.Equal(25, fraction); // 10/100 * 256 = 25.6
        Assert.Equal(10, cumulative);
        Assert.Equal(10, interval);
        Assert.Equal(0, stats.Jitter);
    }

    [Fact]
    public void Update_SequenceWraps_ExtendsHighestWithCycles()
    {
        var stats = new RtpReceiveStatistics();
        ushort seq = 65530;
        for (var i = 0; i < 12; i++)
        {
            stats.Update(7, seq++, (uint)i * 160, i * 160);
        }

        Assert.Equal(65536u + 5, stats.ExtendedHighestSequence);
        Assert.Equal(0, stats.CumulativeLost);
    }

    [Fact]
    public void Update_ReorderedPacket_CountsLateAndNotLost()
    {
        var stats = new RtpReceiveStatistics();
        stats.Update(1, 10, 0, 0);
        stats.Update(1, 12, 320, 320);
        Assert.Equal(RtpSequenceResult.Late, stats.Update(1, 11, 160, 330));
        Assert.Equal(1, stats.Late);
        Assert.Equal(0, stats.CumulativeLost);
    }

    [Fact]
    public void Update_ArrivalVariation_JitterFollowsRfc3550Estimator()
    {
        var stats = new RtpReceiveStatistics();
        double expected = 0;
        long arrival = 0;
        for (var i = 0; i < 50; i++)
        {
            var delay = i % 2 == 0 ? 0 : 80; // alternate 0 and 10 ms extra delay
            stats.Update(1, (ushort)i, (uint)(i * 160), arrival + delay);
            if (i > 0)
            {
                expected += (80 - expected) / 16;
            }

            arrival += 160;
        }

        Assert.Equal(expected, stats.Jitter, 6);
    }

    [Fact]
    public void Update_LargeJumpTwice_ResynchronisesAsRestart()
    {
        var stats = new RtpReceiveStatistics();
        stats.Update(1, 100, 0, 0);
        Assert.Equal(RtpSequenceResult.Restart, stats.Update(1, 40000, 0, 0));
        Assert.Equal(RtpSequenceResult.Restart, stats.Update(1, 40001, 160, 160));
        Assert.Equal(RtpSequenceResult.InOrder, stats.Update(1, 40002, 320, 320));
        Assert.Equal(0, stats.CumulativeLost);
    }
}
