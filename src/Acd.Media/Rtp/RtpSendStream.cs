namespace Acd.Media.Rtp;

/// <summary>
/// The sending side of one RTP stream: one SSRC, one sequence space and one timestamp line for the whole life
/// of a leg, whatever plays on it (prompt after prompt, music, a bridged peer, DTMF events). A source change
/// sets the marker bit on the next packet instead of restarting the numbering (RFC 3550 5.1, RFC 3551 4.1).
/// Not thread-safe: one producer (the pacing loop or the bridge) writes a stream.
/// </summary>
public sealed class RtpSendStream
{
    private bool _markNext = true;

    /// <summary>Creates a stream with explicit initial values (tests, replays).</summary>
    public RtpSendStream(uint ssrc, ushort initialSequence, uint initialTimestamp)
    {
        Ssrc = ssrc;
        NextSequence = initialSequence;
        NextTimestamp = initialTimestamp;
    }

    /// <summary>Creates a stream with random SSRC, sequence and timestamp (RFC 3550 5.1), from an injected source.</summary>
    public static RtpSendStream Create(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new RtpSendStream((uint)random.NextInt64(1, uint.MaxValue), (ushort)random.Next(0, 65536), (uint)random.NextInt64(0, uint.MaxValue));
    }

    /// <summary>The synchronisation source of this stream.</summary>
    public uint Ssrc { get; }

    /// <summary>The sequence number of the next packet.</summary>
    public ushort NextSequence { get; private set; }

    /// <summary>The timestamp of the next media packet.</summary>
    public uint NextTimestamp { get; private set; }

    /// <summary>The timestamp of the last packet sent (for RTCP SR).</summary>
    public uint LastTimestamp { get; private set; }

    /// <summary>Packets sent (RTCP SR sender's packet count).</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Payload octets sent (RTCP SR sender's octet count).</summary>
    public long OctetsSent { get; private set; }

    /// <summary>The next media packet carries the marker bit (new talk spurt or source change).</summary>
    public void MarkNext() => _markNext = true;

    /// <summary>Advances the timestamp line without sending (time passed without media, e.g. a paused leg).</summary>
    public void Skip(int samples)
    {
        NextTimestamp += (uint)samples;
        _markNext = true;
    }

    /// <summary>Writes a media packet of <paramref name="samples"/> samples and advances sequence and timestamp.</summary>
    public int WriteMedia(Span<byte> destination, byte payloadType, ReadOnlySpan<byte> payload, int samples)
    {
        var length = RtpPacket.Write(destination, payloadType, _markNext, NextSequence, NextTimestamp, Ssrc, payload);
        _markNext = false;
        LastTimestamp = NextTimestamp;
        NextSequence++;
        NextTimestamp += (uint)samples;
        PacketsSent++;
        OctetsSent += payload.Length;
        return length;
    }

    /// <summary>
    /// Writes a packet with an explicit timestamp that does not move the media timestamp line (RFC 4733 events
    /// carry the timestamp of the event start in every packet of the event).
    /// </summary>
    public int WriteEvent(Span<byte> destination, byte payloadType, bool marker, uint timestamp, ReadOnlySpan<byte> payload)
    {
        var length = RtpPacket.Write(destination, payloadType, marker, NextSequence, timestamp, Ssrc, payload);
        LastTimestamp = timestamp;
        NextSequence++;
        PacketsSent++;
        OctetsSent += payload.Length;
        return length;
    }
}
