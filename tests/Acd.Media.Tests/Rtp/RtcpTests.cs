using Acd.Media.Rtp;

namespace Acd.Media.Tests.Rtp;

public class RtcpTests
{
    [Fact]
    public void WriteReport_SenderReportWithBlock_ParsesBack()
    {
        var buffer = new byte[256];
        var info = new RtcpSenderInfo(0x0123456789ABCDEF, 1000, 50, 8000);
        RtcpReportBlock[] blocks = [new(0xAABBCCDD, 25, -3, 70000, 12, 0x11112222, 0x33334444)];
        var length = Rtcp.WriteReport(buffer, 42, info, blocks, "leg@acd");
        Assert.Equal(0, length % 4);

        Assert.Equal(RtcpParseStatus.Ok, Rtcp.TryParse(buffer.AsSpan(0, length), out var compound));
        Assert.Equal(42u, compound.SenderSsrc);
        Assert.Equal(info, compound.SenderInfo);
        Assert.Equal(blocks[0], Assert.Single(compound.Blocks));
    }

    [Fact]
    public void TryParse_Malformed_ReturnsErrorsWithoutThrowing()
    {
        Assert.Equal(RtcpParseStatus.Truncated, Rtcp.TryParse(new byte[4], out _));
        Assert.Equal(RtcpParseStatus.BadVersion, Rtcp.TryParse([0x40, 201, 0, 1, 0, 0, 0, 1], out _));
        Assert.Equal(RtcpParseStatus.NotReportFirst, Rtcp.TryParse([0x81, 202, 0, 1, 0, 0, 0, 1], out _));
        Assert.Equal(RtcpParseStatus.Truncated, Rtcp.TryParse([0x81, 201, 0, 9, 0, 0, 0, 1], out _));
        Assert.Equal(RtcpParseStatus.BadReportCount, Rtcp.TryParse([0x83, 201, 0, 1, 0, 0, 0, 1], out _));
        var random = new Random(5);
        var buffer = new byte[80];
        for (var i = 0; i < 50_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)(0x80 | (buffer[0] & 0x1F));
            buffer[1] = (byte)(200 + (buffer[1] & 1));
            Rtcp.TryParse(buffer.AsSpan(0, random.Next(0, 81)), out _);
        }
    }

    [Fact]
    public void Process_ReportAboutOurStream_ComputesRoundTripLossAndJitter()
    {
        var start = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        var aSend = new RtpSendStream(0xA, 0, 0);
        var bSend = new RtpSendStream(0xB, 0, 0);
        var a = new RtcpReporter(aSend, new RtpReceiveStatistics(), "a");
        var bReceive = new RtpReceiveStatistics();
        var b = new RtcpReporter(bSend, bReceive, "b");
        var packet = new byte[200];

        // A sends 10 packets, B receives 8 of them (2 lost).
        for (var i = 0; i < 10; i++)
        {
            var n = aSend.WriteMedia(packet, 0, new byte[160], 160);
            if (i is not 3 and not 6)
            {
                RtpPacket.TryParse(packet.AsSpan(0, n), out var p);
                bReceive.Update(p.Ssrc, p.SequenceNumber, p.Timestamp, i * 160);
                b.NoteReceived();
            }
        }

        var buffer = new byte[256];
        var sr = a.BuildReport(buffer, start);                       // A's SR leaves at t0
        Assert.Equal(RtcpParseStatus.Ok, b.Process(buffer.AsSpan(0, sr), start.AddMilliseconds(30)));   // arrives t0+30ms
        var rr = b.BuildReport(buffer, start.AddMilliseconds(130));  // B holds it 100 ms
        Assert.Equal(RtcpParseStatus.Ok, a.Process(buffer.AsSpan(0, rr), start.AddMilliseconds(160)));  // back at t0+160ms

        Assert.NotNull(a.RoundTripTime);
        Assert.InRange(a.RoundTripTime!.Value.TotalMilliseconds, 59, 61);
        Assert.Equal(2, a.RemoteCumulativeLost);
        Assert.InRange(a.RemoteFractionLost!.Value, 0.19, 0.21);
        Assert.Equal(0, a.RemoteJitterSeconds);
    }
}
