using Acd.Media.Rtp;

namespace Acd.Media.Tests;

/// <summary>Collects the datagrams a leg sends.</summary>
internal sealed class TestSink : IRtpSink
{
    public List<byte[]> Datagrams { get; } = [];

    public void SendRtp(ReadOnlySpan<byte> datagram) => Datagrams.Add(datagram.ToArray());

    public List<(ushort Seq, uint Ts, bool Marker, byte Pt, byte[] Payload)> Packets() =>
        Datagrams.Select(d =>
        {
            Assert.Equal(RtpParseStatus.Ok, RtpPacket.TryParse(d, out var p));
            return (p.SequenceNumber, p.Timestamp, p.Marker, p.PayloadType, p.Payload.ToArray());
        }).ToList();
}
