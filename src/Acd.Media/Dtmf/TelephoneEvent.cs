using System.Buffers.Binary;

namespace Acd.Media.Dtmf;

/// <summary>The 4-byte payload of an RFC 4733 named event (2.3).</summary>
public readonly record struct TelephoneEvent(byte Event, bool End, byte Volume, ushort Duration)
{
    /// <summary>The payload size.</summary>
    public const int Size = 4;

    /// <summary>Parses a payload; false when it is shorter than 4 bytes or the event is not a DTMF digit or flash.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out TelephoneEvent value)
    {
        value = default;
        if (payload.Length < Size || payload[0] > 16)
        {
            return false;
        }

        value = new TelephoneEvent(payload[0], (payload[1] & 0x80) != 0, (byte)(payload[1] & 0x3F), BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        return true;
    }

    /// <summary>Writes the payload.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Event;
        destination[1] = (byte)((End ? 0x80 : 0) | (Volume & 0x3F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Duration);
    }
}

/// <summary>
/// Turns received telephone-event packets into digits, once each: an event is identified by its RTP timestamp
/// (RFC 4733 2.5.1), so retransmitted updates and the redundant end packets are dropped; a lost start is covered
/// by the first update or end packet that arrives.
/// </summary>
public sealed class TelephoneEventReceiver
{
    private uint _lastTimestamp;
    private bool _haveLast;
    private bool _lastEnded;

    /// <summary>Packets that carried no new digit (updates, redundant ends, malformed).</summary>
    public long Suppressed { get; private set; }

    /// <summary>Processes one packet; true when it starts a new digit.</summary>
    public bool Process(uint timestamp, ReadOnlySpan<byte> payload, out DtmfDigit digit)
    {
        digit = default;
        if (!TelephoneEvent.TryParse(payload, out var ev))
        {
            Suppressed++;
            return false;
        }

        if (_haveLast && timestamp == _lastTimestamp)
        {
            _lastEnded |= ev.End;
            Suppressed++;
            return false;
        }

        _haveLast = true;
        _lastTimestamp = timestamp;
        _lastEnded = ev.End;
        var c = DtmfDigits.FromEvent(ev.Event);
        if (c == '\0')
        {
            Suppressed++;
            return false;
        }

        digit = new DtmfDigit(c, DtmfSource.Rfc4733, TimeSpan.FromMilliseconds(ev.Duration / 8.0));
        return true;
    }
}

/// <summary>
/// Produces the packets of outgoing digits, one per 20 ms tick (RFC 4733 2.5.1): the first with the marker bit,
/// updates with growing duration, then three end packets with the final duration. All packets of a digit carry
/// the timestamp of its start; the caller sends them on the leg's stream instead of audio.
/// </summary>
public sealed class TelephoneEventSender
{
    private readonly Queue<char> _pending = new();
    private readonly int _toneTicks;
    private readonly int _gapTicks;
    private int _tick = -1;
    private int _gap;
    private byte _event;

    /// <summary>Creates a sender; a digit lasts <paramref name="toneDuration"/> with <paramref name="gap"/> between digits.</summary>
    public TelephoneEventSender(TimeSpan toneDuration, TimeSpan gap, byte volume = 10)
    {
        _toneTicks = Math.Max(2, (int)(toneDuration.TotalMilliseconds / 20));
        _gapTicks = Math.Max(0, (int)(gap.TotalMilliseconds / 20));
        Volume = volume;
    }

    /// <summary>Volume in -dBm0 (0-63).</summary>
    public byte Volume { get; }

    /// <summary>Whether digits are queued or being sent.</summary>
    public bool Active => _tick >= 0 || _pending.Count > 0 || _gap > 0;

    /// <summary>Queues digits to send; false when one of them is not a DTMF digit (nothing queued).</summary>
    public bool Enqueue(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        foreach (var c in digits)
        {
            if (!DtmfDigits.IsDigit(c))
            {
                return false;
            }
        }

        foreach (var c in digits)
        {
            _pending.Enqueue(c);
        }

        return true;
    }

    /// <summary>
    /// The packet of this 20 ms tick. Returns false when no event packet is due (send audio or silence). When
    /// <paramref name="startsEvent"/> is true the caller records the current media timestamp as the event's.
    /// </summary>
    public bool TryNext(Span<byte> payload, out bool startsEvent)
    {
        startsEvent = false;
        if (_tick < 0)
        {
            if (_gap > 0)
            {
                _gap--;
                return false;
            }

            if (!_pending.TryDequeue(out var c))
            {
                return false;
            }

            _event = (byte)DtmfDigits.ToEvent(c);
            _tick = 0;
            startsEvent = true;
        }

        var endPacket = _tick >= _toneTicks;
        var duration = (ushort)(Math.Min(_tick + 1, _toneTicks) * 160);
        new TelephoneEvent(_event, endPacket, Volume, duration).Write(payload);
        _tick++;
        if (_tick >= _toneTicks + 3)
        {
            _tick = -1;
            _gap = _gapTicks;
        }

        return true;
    }
}
