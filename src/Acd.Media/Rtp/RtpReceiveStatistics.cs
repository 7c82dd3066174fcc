namespace Acd.Media.Rtp;

/// <summary>What <see cref="RtpReceiveStatistics.Update"/> decided about a packet.</summary>
public enum RtpSequenceResult
{
    /// <summary>In order (possibly after a gap, counted as loss).</summary>
    InOrder,

    /// <summary>Older than the highest sequence seen: reordered or duplicated; not played.</summary>
    Late,

    /// <summary>A jump too large to be loss: stream restarted; the second such packet resynchronises.</summary>
    Restart,
}

/// <summary>
/// Receiver statistics of one source (RFC 3550 A.1 sequence tracking, A.3 loss, A.8 jitter). Pure; times
/// are passed in as RTP-clock units of arrival so tests drive it directly.
/// </summary>
public sealed class RtpReceiveStatistics
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const int SequenceModulo = 1 << 16;

    private bool _initialised;
    private uint _baseSequence;
    private ushort _maxSequence;
    private uint _badSequence = SequenceModulo + 1;
    private uint _cycles;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private bool _haveTransit;

    /// <summary>The SSRC being tracked.</summary>
    public uint Ssrc { get; private set; }

    /// <summary>Packets accepted (in order or late).</summary>
    public long Received { get; private set; }

    /// <summary>Packets that arrived behind a later sequence number.</summary>
    public long Late { get; private set; }

    /// <summary>The extended highest sequence number received (cycles in the top 16 bits).</summary>
    public uint ExtendedHighestSequence => _cycles + _maxSequence;

    /// <summary>Packets expected from the first to the highest sequence number.</summary>
    public long Expected => _initialised ? (long)ExtendedHighestSequence - _baseSequence + 1 : 0;

    /// <summary>Cumulative packets lost (expected minus received; can go negative with duplicates, as in RFC 3550).</summary>
    public long CumulativeLost => Expected - Received;

    /// <summary>Interarrival jitter in RTP timestamp units (RFC 3550 6.4.1).</summary>
    public double Jitter { get; private set; }

    /// <summary>Records a packet. <paramref name="arrivalRtpUnits"/> is the arrival time on the media clock.</summary>
    public RtpSequenceResult Update(uint ssrc, ushort sequence, uint timestamp, long arrivalRtpUnits)
    {
        if (!_initialised || ssrc != Ssrc)
        {
            Reset(ssrc, sequence);
            Received = 1;
            UpdateJitter(timestamp, arrivalRtpUnits);
            return RtpSequenceResult.InOrder;
        }

        var delta = (ushort)(sequence - _maxSequence);
        if (delta < MaxDropout)
        {
            if (sequence < _maxSequence)
            {
                _cycles += SequenceModulo;
            }

            _maxSequence = sequence;
        }
        else if (delta <= SequenceModulo - MaxMisorder)
        {
            if (sequence == _badSequence)
            {
                Reset(ssrc, sequence);
                Received = 1;
                _haveTransit = false;
                UpdateJitter(timestamp, arrivalRtpUnits);
                return RtpSequenceResult.Restart;
            }

            _badSequence = (uint)((sequence + 1) & (SequenceModulo - 1));
            return RtpSequenceResult.Restart;
        }
        else
        {
            Received++;
            Late++;
            return RtpSequenceResult.Late;
        }

        Received++;
        UpdateJitter(timestamp, arrivalRtpUnits);
        return RtpSequenceResult.InOrder;
    }

    /// <summary>
    /// The loss since the previous call, as the 8-bit fraction of an RTCP report block, and the cumulative loss
    /// clamped to 24 bits (RFC 3550 A.3). Call once per report.
    /// </summary>
    public (byte FractionLost, int CumulativeLost, long LostInInterval) TakeInterval()
    {
        var expected = Expected;
        var expectedInterval = expected - _expectedPrior;
        _expectedPrior = expected;
        var receivedInterval = Received - _receivedPrior;
        _receivedPrior = Received;
        var lostInterval = expectedInterval - receivedInterval;
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (int)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var cumulative = (int)Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF);
        return ((byte)fraction, cumulative, Math.Max(0, lostInterval));
    }

    private void Reset(uint ssrc, ushort sequence)
    {
        _initialised = true;
        Ssrc = ssrc;
        _baseSequence = sequence;
        _maxSequence = sequence;
        _badSequence = SequenceModulo + 1;
        _cycles = 0;
        _expectedPrior = 0;
        _receivedPrior = 0;
        Late = 0;
        Jitter = 0;
        _haveTransit = false;
    }

    private void UpdateJitter(uint timestamp, long arrivalRtpUnits)
    {
        var transit = (long)(uint)((uint)arrivalRtpUnits - timestamp);
        if (_haveTransit)
        {
            var d = (int)(uint)(transit - _lastTransit);
            Jitter += (Math.Abs(d) - Jitter) / 16.0;
        }

        _lastTransit = transit;
        _haveTransit = true;
    }
}
