using System.Buffers.Binary;

namespace Acd.Media.Rtp;

/// <summary>The outcome of <see cref="RtpPacket.TryParse"/>: OK or the one rule the datagram broke.</summary>
public enum RtpParseStatus
{
    /// <summary>A valid RTP packet.</summary>
    Ok,

    /// <summary>Shorter than the 12-byte fixed header.</summary>
    TooShort,

    /// <summary>Version field not 2.</summary>
    BadVersion,

    /// <summary>The CSRC list runs past the end of the datagram.</summary>
    CsrcOverrun,

    /// <summary>The header extension runs past the end of the datagram.</summary>
    ExtensionOverrun,

    /// <summary>Padding count is zero or larger than what follows the header.</summary>
    BadPadding,

    /// <summary>Payload type 72-76 (RTCP SR/RR/SDES/BYE/APP demultiplexed as RTP, RFC 5761).</summary>
    RtcpPayloadType,
}

/// <summary>
/// A view of an RTP packet (RFC 3550 5.1) over the datagram bytes: no copy, no allocation. Parsing validates
/// version, CSRC count, extension length and padding, so <see cref="Payload"/> is always in bounds.
/// </summary>
public readonly ref struct RtpPacket
{
    /// <summary>The fixed header size.</summary>
    public const int HeaderSize = 12;

    private RtpPacket(ReadOnlySpan<byte> datagram, int payloadOffset, int payloadLength)
    {
        var first = datagram[0];
        var second = datagram[1];
        Marker = (second & 0x80) != 0;
        PayloadType = (byte)(second & 0x7F);
        SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        Timestamp = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        Ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        CsrcCount = first & 0x0F;
        HasExtension = (first & 0x10) != 0;
        Payload = datagram.Slice(payloadOffset, payloadLength);
    }

    /// <summary>Marker bit (first packet of a talk spurt, start of a DTMF event).</summary>
    public bool Marker { get; }

    /// <summary>Payload type (7 bits).</summary>
    public byte PayloadType { get; }

    /// <summary>Sequence number.</summary>
    public ushort SequenceNumber { get; }

    /// <summary>Media timestamp (8 kHz clock for G.711 and telephone-event).</summary>
    public uint Timestamp { get; }

    /// <summary>Synchronisation source.</summary>
    public uint Ssrc { get; }

    /// <summary>Number of contributing sources that preceded the payload.</summary>
    public int CsrcCount { get; }

    /// <summary>Whether a header extension preceded the payload (skipped).</summary>
    public bool HasExtension { get; }

    /// <summary>The payload, without header, CSRCs, extension or padding.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Validates and parses a datagram. Never throws.</summary>
    public static RtpParseStatus TryParse(ReadOnlySpan<byte> datagram, out RtpPacket packet)
    {
        packet = default;
        if (datagram.Length < HeaderSize)
        {
            return RtpParseStatus.TooShort;
        }

        var first = datagram[0];
        if (first >> 6 != 2)
        {
            return RtpParseStatus.BadVersion;
        }

        var pt = datagram[1] & 0x7F;
        if (pt is >= 72 and <= 76)
        {
            return RtpParseStatus.RtcpPayloadType;
        }

        var offset = HeaderSize + ((first & 0x0F) * 4);
        if (offset > datagram.Length)
        {
            return RtpParseStatus.CsrcOverrun;
        }

        if ((first & 0x10) != 0)
        {
            if (offset + 4 > datagram.Length)
            {
                return RtpParseStatus.ExtensionOverrun;
            }

            var words = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            offset += 4 + (words * 4);
            if (offset > datagram.Length)
            {
                return RtpParseStatus.ExtensionOverrun;
            }
        }

        var end = datagram.Length;
        if ((first & 0x20) != 0)
        {
            var padding = datagram[^1];
            if (padding == 0 || padding > end - offset)
            {
                return RtpParseStatus.BadPadding;
            }

            end -= padding;
        }

        packet = new RtpPacket(datagram, offset, end - offset);
        return RtpParseStatus.Ok;
    }

    /// <summary>
    /// Writes a packet with no CSRCs, extension or padding: header then payload. Returns the bytes written.
    /// </summary>
    public static int Write(Span<byte> destination, byte payloadType, bool marker, ushort sequenceNumber, uint timestamp, uint ssrc, ReadOnlySpan<byte> payload)
    {
        var length = HeaderSize + payload.Length;
        if (destination.Length < length)
        {
            throw new ArgumentException("Destination too small for the RTP packet.", nameof(destination));
        }

        WriteHeader(destination, payloadType, marker, sequenceNumber, timestamp, ssrc);
        payload.CopyTo(destination[HeaderSize..]);
        return length;
    }

    /// <summary>Writes the 12-byte fixed header (V=2, no padding/extension/CSRC).</summary>
    public static void WriteHeader(Span<byte> destination, byte payloadType, bool marker, ushort sequenceNumber, uint timestamp, uint ssrc)
    {
        destination[0] = 0x80;
        destination[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
    }
}
