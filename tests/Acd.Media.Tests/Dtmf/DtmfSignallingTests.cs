using System.Text;
using Acd.Media.Dtmf;

namespace Acd.Media.Tests.Dtmf;

public class DtmfSignallingTests
{
    private static byte[] Event(byte code, bool end, ushort duration)
    {
        var payload = new byte[4];
        new TelephoneEvent(code, end, 10, duration).Write(payload);
        return payload;
    }

    [Fact]
    public void Receiver_StartUpdatesAndThreeEnds_OneDigit()
    {
        var receiver = new TelephoneEventReceiver();
        var digits = new List<char>();
        void Feed(uint ts, byte[] payload)
        {
            if (receiver.Process(ts, payload, out var d))
            {
                digits.Add(d.Digit);
            }
        }

        Feed(1000, Event(5, false, 160));
        Feed(1000, Event(5, false, 320));
        Feed(1000, Event(5, false, 480));
        Feed(1000, Event(5, true, 640));
        Feed(1000, Event(5, true, 640));
        Feed(1000, Event(5, true, 640));
        Feed(2000, Event(11, true, 800)); // start lost: the end packet still yields '#'
        Feed(2000, Event(11, true, 800));
        Feed(3000, Event(5, false, 160)); // same digit again, new timestamp: a new press

        Assert.Equal("5#5", new string([.. digits]));
        Assert.Equal(6, receiver.Suppressed);
    }

    [Fact]
    public void Receiver_Malformed_SuppressedNotThrown()
    {
        var receiver = new TelephoneEventReceiver();
        Assert.False(receiver.Process(1, [1, 2], out _));
        Assert.False(receiver.Process(2, [200, 0, 0, 0], out _));
    }

    [Fact]
    public void Sender_TwoDigits_StartMarkerUpdatesThenThreeEnds()
    {
        var sender = new TelephoneEventSender(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(40));
        Assert.True(sender.Enqueue("1#"));
        var packets = new List<(TelephoneEvent Event, bool Starts)>();
        var payload = new byte[4];
        var idle = 0;
        for (var tick = 0; tick < 40; tick++)
        {
            if (sender.TryNext(payload, out var starts))
            {
                TelephoneEvent.TryParse(payload, out var ev);
                packets.Add((ev, starts));
            }
            else
            {
                idle++;
            }
        }

        Assert.Equal(16, packets.Count); // (5 + 3 ends) per digit
        Assert.True(packets[0].Starts);
        Assert.Equal([160, 320, 480, 640, 800, 800, 800, 800], packets.Take(8).Select(p => (int)p.Event.Duration));
        Assert.Equal([false, false, false, false, false, true, true, true], packets.Take(8).Select(p => p.Event.End));
        Assert.Equal(11, packets[8].Event.Event);
        Assert.True(packets[8].Starts);
        Assert.False(sender.Active);
    }

    [Fact]
    public void Sender_InvalidDigit_QueuesNothing()
    {
        var sender = new TelephoneEventSender(TimeSpan.FromMilliseconds(100), TimeSpan.Zero);
        Assert.False(sender.Enqueue("12x"));
        Assert.False(sender.Active);
    }

    [Theory]
    [InlineData("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', 160)]
    [InlineData("application/dtmf-relay", "Signal= *\nDuration= 250", '*', 250)]
    [InlineData("Application/DTMF-Relay; charset=utf-8", "Signal=11\r\nDuration=100\r\n", '#', 100)]
    [InlineData("application/dtmf-relay", "signal=a\r\n", 'A', 250)]
    [InlineData("application/dtmf", "7", '7', 250)]
    [InlineData("application/dtmf", "10\r\n", '*', 250)]
    public void InfoParser_ValidBodies_Digit(string contentType, string body, char digit, int durationMs)
    {
        Assert.True(DtmfInfoParser.TryParse(contentType, Encoding.UTF8.GetBytes(body), out var d));
        Assert.Equal(digit, d.Digit);
        Assert.Equal(DtmfSource.SipInfo, d.Source);
        Assert.Equal(durationMs, d.Duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("application/dtmf-relay", "Duration=160\r\n")]
    [InlineData("application/dtmf-relay", "Signal=X\r\n")]
    [InlineData("application/dtmf-relay", "Signal=5\r\nDuration=abc\r\n")]
    [InlineData("application/dtmf", "55")]
    [InlineData("text/plain", "Signal=5")]
    public void InfoParser_BadBodies_False(string contentType, string body) =>
        Assert.False(DtmfInfoParser.TryParse(contentType, Encoding.UTF8.GetBytes(body), out _));

    [Fact]
    public void InfoParser_RelayBody_AllocatesNothing()
    {
        var body = "Signal=5\r\nDuration=160\r\n"u8.ToArray();
        DtmfInfoParser.TryParse("application/dtmf-relay; charset=us-ascii", body, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            DtmfInfoParser.TryParse("application/dtmf-relay; charset=us-ascii", body, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("application/dtmf-relay", "Signal=1\nDuration=99999999999\n")]
    [InlineData("application/dtmf-relay", "Signal=-1\n")]
    [InlineData("application/dtmf-relay", "Signal=5\nDuration=+160\n")]
    public void InfoParser_NumbersOutOfForm_False(string contentType, string body) =>
        Assert.False(DtmfInfoParser.TryParse(contentType, Encoding.UTF8.GetBytes(body), out _));
}
