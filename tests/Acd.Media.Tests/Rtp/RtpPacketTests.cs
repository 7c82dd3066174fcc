using Acd.Media.Rtp;

namespace Acd.Media.Tests.Rtp;

public class RtpPacketTests
{
    [Fact]
    public void Write_ThenParse_RoundTripsEveryField()
    {
        var buffer = new byte[200];
        var payload = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        var length = RtpPacket.Write(buffer, 8, true, 65535, 0xDEADBEEF, 0x01020304, payload);

        Assert.Equal(RtpParseStatus.Ok, RtpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        Assert.True(packet.Marker);
        Assert.Equal(8, packet.PayloadType);
        Assert.Equal(65535, packet.SequenceNumber);
        Assert.Equal(0xDEADBEEF, packet.Timestamp);
        Assert.Equal(0x01020304u, packet.Ssrc);
        Assert.Equal(payload, packet.Payload.ToArray());
    }

    [Fact]
    public void TryParse_CsrcExtensionAndPadding_PayloadExcludesThem()
    {
        // V=2 P=1 X=1 CC=2, PT 0; 2 CSRCs; extension of 1 word; payload 3 bytes; padding 3 (count byte included).
        byte[] datagram =
        [
            0xB2, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7,
            0, 0, 0, 1, 0, 0, 0, 2,
            0xBE, 0xDE, 0x00, 0x01, 1, 2, 3, 4,
            0xAA, 0xBB, 0xCC,
            0, 0, 3,
        ];
        Assert.Equal(RtpParseStatus.Ok, RtpPacket.TryParse(datagram, out var packet));
        Assert.Equal(2, packet.CsrcCount);
        Assert.True(packet.HasExtension);
        Assert.Equal([0xAA, 0xBB, 0xCC], packet.Payload.ToArray());
    }

    public static TheoryData<string, byte[], RtpParseStatus> Malformed => new()
    {
        { "empty", [], RtpParseStatus.TooShort },
        { "11 bytes", new byte[11], RtpParseStatus.TooShort },
        { "version 0", [0x00, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.BadVersion },
        { "version 1", [0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.BadVersion },
        { "version 3", [0xC0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.BadVersion },
        { "15 CSRCs in 12 bytes", [0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.CsrcOverrun },
        { "extension header cut", [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE], RtpParseStatus.ExtensionOverrun },
        { "extension length too long", [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF, 0, 0, 0, 0], RtpParseStatus.ExtensionOverrun },
        { "padding zero", [0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0], RtpParseStatus.BadPadding },
        { "padding past header", [0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 9], RtpParseStatus.BadPadding },
        { "RTCP SR demuxed", [0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.RtcpPayloadType },
        { "RTCP RR with marker bit", [0x80, 201, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], RtpParseStatus.RtcpPayloadType },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_MalformedDatagram_ReturnsItsError(string name, byte[] datagram, RtpParseStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, RtpPacket.TryParse(datagram, out _));
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrowsAndPayloadInBounds()
    {
        var random = new Random(1234);
        var buffer = new byte[64];
        for (var i = 0; i < 200_000; i++)
        {
            var length = random.Next(0, buffer.Length + 1);
            random.NextBytes(buffer.AsSpan(0, length));
            buffer[0] = (byte)((buffer[0] & 0x3F) | 0x80);
            if (RtpPacket.TryParse(buffer.AsSpan(0, length), out var packet) == RtpParseStatus.Ok)
            {
                Assert.InRange(packet.Payload.Length, 0, length - RtpPacket.HeaderSize);
            }
        }
    }
}
