using System.Buffers.Binary;
using System.Text;

namespace Acd.Media.Rtp;

/// <summary>One RTCP report block (RFC 3550 6.4.1).</summary>
public readonly record struct RtcpReportBlock(uint Ssrc, byte FractionLost, int CumulativeLost, uint ExtendedHighestSequence, uint Jitter, uint LastSenderReport, uint DelaySinceLastSenderReport);

/// <summary>The sender information of an SR (RFC 3550 6.4.1).</summary>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>Outcome of <see cref="Rtcp.TryParse"/>.</summary>
public enum RtcpParseStatus
{
    /// <summary>A valid compound packet.</summary>
    Ok,

    /// <summary>Shorter than a header or a length field runs past the datagram.</summary>
    Truncated,

    /// <summary>Version not 2.</summary>
    BadVersion,

    /// <summary>The first packet is not SR or RR (RFC 3550 6.1).</summary>
    NotReportFirst,

    /// <summary>The report count does not fit the packet length.</summary>
    BadReportCount,
}

/// <summary>The parts of a compound RTCP packet a leg uses: the sender's SSRC, its SR info and its report blocks.</summary>
public readonly struct RtcpCompound
{
    internal RtcpCompound(uint senderSsrc, RtcpSenderInfo? senderInfo, RtcpReportBlock[] blocks, int blockCount, bool bye)
    {
        SenderSsrc = senderSsrc;
        SenderInfo = senderInfo;
        Blocks = new ArraySegment<RtcpReportBlock>(blocks, 0, blockCount);
        Bye = bye;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>Present when the first packet was an SR.</summary>
    public RtcpSenderInfo? SenderInfo { get; }

    /// <summary>Report blocks (up to 31 per packet).</summary>
    public ArraySegment<RtcpReportBlock> Blocks { get; }

    /// <summary>A BYE packet was present.</summary>
    public bool Bye { get; }
}

/// <summary>RTCP SR/RR/SDES/BYE writing and compound parsing (RFC 3550 6.4-6.6). NTP times are 64-bit fixed point.</summary>
public static class Rtcp
{
    /// <summary>Sender report packet type.</summary>
    public const byte SenderReport = 200;

    /// <summary>Receiver report packet type.</summary>
    public const byte ReceiverReport = 201;

    /// <summary>Source description packet type.</summary>
    public const byte SourceDescription = 202;

    /// <summary>Goodbye packet type.</summary>
    public const byte Goodbye = 203;

    private static readonly DateTimeOffset NtpEpoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Converts a wall-clock time to the 64-bit NTP format.</summary>
    public static ulong ToNtp(DateTimeOffset time)
    {
        var ticks = (time - NtpEpoch).Ticks;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    /// <summary>The middle 32 bits of an NTP time (the LSR/DLSR unit: 1/65536 s).</summary>
    public static uint Middle32(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>
    /// Writes a compound packet: SR (when <paramref name="sender"/> is given) or RR, with the report blocks, then
    /// SDES with the CNAME. Returns the length written.
    /// </summary>
    public static int WriteReport(Span<byte> destination, uint ssrc, RtcpSenderInfo? sender, ReadOnlySpan<RtcpReportBlock> blocks, string cname)
    {
        ArgumentNullException.ThrowIfNull(cname);
        if (blocks.Length > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(blocks), "At most 31 report blocks fit one packet.");
        }

        var offset = 0;
        var length = 8 + (sender is null ? 0 : 20) + (blocks.Length * 24);
        WriteCommonHeader(destination, blocks.Length, sender is null ? ReceiverReport : SenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        offset = 8;
        if (sender is { } info)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination[offset..], info.NtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 8)..], info.RtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 12)..], info.PacketCount);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 16)..], info.OctetCount);
            offset += 20;
        }

        foreach (var block in blocks)
        {
            var span = destination[offset..];
            BinaryPrimitives.WriteUInt32BigEndian(span, block.Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], ((uint)block.FractionLost << 24) | ((uint)block.CumulativeLost & 0xFFFFFF));
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], block.ExtendedHighestSequence);
            BinaryPrimitives.WriteUInt32BigEndian(span[12..], block.Jitter);
            BinaryPrimitives.WriteUInt32BigEndian(span[16..], block.LastSenderReport);
            BinaryPrimitives.WriteUInt32BigEndian(span[20..], block.DelaySinceLastSenderReport);
            offset += 24;
        }

        // SDES: one chunk, CNAME item, terminated by a null item and padded to 32 bits.
        var cnameLength = Math.Min(255, Encoding.ASCII.GetByteCount(cname));
        var chunk = 4 + 2 + cnameLength + 1;
        chunk = (chunk + 3) & ~3;
        var sdes = destination[offset..];
        WriteCommonHeader(sdes, 1, SourceDescription, 4 + chunk);
        BinaryPrimitives.WriteUInt32BigEndian(sdes[4..], ssrc);
        sdes[8] = 1;
        sdes[9] = (byte)cnameLength;
        Encoding.ASCII.GetBytes(cname.AsSpan(0, Math.Min(cname.Length, cnameLength)), sdes[10..]);
        sdes.Slice(10 + cnameLength, chunk - 6 - cnameLength).Clear();
        offset += 4 + chunk;
        return offset;
    }

    /// <summary>Appends a BYE for <paramref name="ssrc"/>; returns the bytes written.</summary>
    public static int WriteBye(Span<byte> destination, uint ssrc)
    {
        WriteCommonHeader(destination, 1, Goodbye, 8);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        return 8;
    }

    /// <summary>Validates a compound packet and extracts the first report. Never throws.</summary>
    public static RtcpParseStatus TryParse(ReadOnlySpan<byte> datagram, out RtcpCompound compound)
    {
        compound = default;
        if (datagram.Length < 8)
        {
            return RtcpParseStatus.Truncated;
        }

        uint sender = 0;
        RtcpSenderInfo? info = null;
        RtcpReportBlock[]? blocks = null;
        var count = 0;
        var bye = false;
        var first = true;
        var offset = 0;
        while (offset < datagram.Length)
        {
            var packet = datagram[offset..];
            if (packet.Length < 4)
            {
                return RtcpParseStatus.Truncated;
            }

            if (packet[0] >> 6 != 2)
            {
                return RtcpParseStatus.BadVersion;
            }

            var length = (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) + 1) * 4;
            if (length > packet.Length)
            {
                return RtcpParseStatus.Truncated;
            }

            var type = packet[1];
            var reportCount = packet[0] & 0x1F;
            if (first && type is not (SenderReport or ReceiverReport))
            {
                return RtcpParseStatus.NotReportFirst;
            }

            if (first)
            {
                if (length < 8)
                {
                    return RtcpParseStatus.Truncated;
                }

                sender = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
                var blockStart = 8;
                if (type == SenderReport)
                {
                    if (length < 28)
                    {
                        return RtcpParseStatus.Truncated;
                    }

                    info = new RtcpSenderInfo(
                        BinaryPrimitives.ReadUInt64BigEndian(packet[8..]),
                        BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
                        BinaryPrimitives.ReadUInt32BigEndian(packet[20..]),
                        BinaryPrimitives.ReadUInt32BigEndian(packet[24..]));
                    blockStart = 28;
                }

                if (blockStart + (reportCount * 24) > length)
                {
                    return RtcpParseStatus.BadReportCount;
                }

                blocks = new RtcpReportBlock[reportCount];
                for (var i = 0; i < reportCount; i++)
                {
                    var b = packet[(blockStart + (i * 24))..];
                    var word = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
                    var cumulative = (int)(word & 0xFFFFFF);
                    if ((cumulative & 0x800000) != 0)
                    {
                        cumulative |= unchecked((int)0xFF000000);
                    }

                    blocks[i] = new RtcpReportBlock(
                        BinaryPrimitives.ReadUInt32BigEndian(b),
                        (byte)(word >> 24),
                        cumulative,
                        BinaryPrimitives.ReadUInt32BigEndian(b[8..]),
                        BinaryPrimitives.ReadUInt32BigEndian(b[12..]),
                        BinaryPrimitives.ReadUInt32BigEndian(b[16..]),
                        BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
                }

                count = reportCount;
                first = false;
            }
            else if (type == Goodbye)
            {
                bye = true;
            }

            offset += length;
        }

        compound = new RtcpCompound(sender, info, blocks ?? [], count, bye);
        return RtcpParseStatus.Ok;
    }

    private static void WriteCommonHeader(Span<byte> destination, int count, byte type, int lengthBytes)
    {
        destination[0] = (byte)(0x80 | (count & 0x1F));
        destination[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((lengthBytes / 4) - 1));
    }
}
