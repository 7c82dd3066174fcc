namespace Acd.Media.Rtp;

/// <summary>
/// The RTCP side of one leg (RFC 3550 6.4): builds SR (after sending) or RR reports from the leg's send stream
/// and receive statistics, and reads the peer's reports to compute round-trip time (A - LSR - DLSR) and the
/// loss and jitter the peer sees. Pure: time is passed in.
/// </summary>
public sealed class RtcpReporter
{
    private readonly RtpSendStream _send;
    private readonly RtpReceiveStatistics _receive;
    private readonly string _cname;
    private readonly MediaMetrics? _metrics;
    private readonly int _clockRate;
    private long _packetsAtLastReport;
    private uint _lastSenderReportMiddle;
    private DateTimeOffset _lastSenderReportArrival;
    private bool _haveSenderReport;
    private bool _receivedSinceReport;

    /// <summary>Creates the reporter of a leg.</summary>
    public RtcpReporter(RtpSendStream send, RtpReceiveStatistics receive, string cname, MediaMetrics? metrics = null, int clockRate = 8000)
    {
        _send = send ?? throw new ArgumentNullException(nameof(send));
        _receive = receive ?? throw new ArgumentNullException(nameof(receive));
        _cname = cname ?? throw new ArgumentNullException(nameof(cname));
        _metrics = metrics;
        _clockRate = clockRate;
    }

    /// <summary>Round-trip time from the last report block about our stream, if any.</summary>
    public TimeSpan? RoundTripTime { get; private set; }

    /// <summary>The fraction of our packets the peer reported lost (0..1) in its last report.</summary>
    public double? RemoteFractionLost { get; private set; }

    /// <summary>The peer's cumulative loss of our packets.</summary>
    public int? RemoteCumulativeLost { get; private set; }

    /// <summary>The jitter the peer measured on our stream, in seconds.</summary>
    public double? RemoteJitterSeconds { get; private set; }

    /// <summary>The local jitter of the received stream, in seconds.</summary>
    public double JitterSeconds => _receive.Jitter / _clockRate;

    /// <summary>Reports received from the peer.</summary>
    public long ReportsReceived { get; private set; }

    /// <summary>Marks that media arrived since the last report (so an RR carries a block).</summary>
    public void NoteReceived() => _receivedSinceReport = true;

    /// <summary>Writes the next compound report into <paramref name="destination"/> and returns its length.</summary>
    public int BuildReport(Span<byte> destination, DateTimeOffset now)
    {
        RtcpSenderInfo? sender = null;
        if (_send.PacketsSent != _packetsAtLastReport)
        {
            sender = new RtcpSenderInfo(Rtcp.ToNtp(now), _send.LastTimestamp, (uint)_send.PacketsSent, (uint)_send.OctetsSent);
            _packetsAtLastReport = _send.PacketsSent;
        }

        Span<RtcpReportBlock> blocks = stackalloc RtcpReportBlock[1];
        var count = 0;
        if (_receive.Received > 0 && (_receivedSinceReport || _haveSenderReport))
        {
            var (fraction, cumulative, lostInterval) = _receive.TakeInterval();
            uint delay = 0;
            if (_haveSenderReport)
            {
                delay = (uint)((now - _lastSenderReportArrival).Ticks * 65536 / TimeSpan.TicksPerSecond);
            }

            blocks[0] = new RtcpReportBlock(_receive.Ssrc, fraction, cumulative, _receive.ExtendedHighestSequence, (uint)_receive.Jitter, _haveSenderReport ? _lastSenderReportMiddle : 0, delay);
            count = 1;
            if (_metrics is not null)
            {
                if (lostInterval > 0)
                {
                    _metrics.Lost.Add(lostInterval);
                }

                _metrics.Jitter.Record(JitterSeconds);
            }
        }

        _receivedSinceReport = false;
        return Rtcp.WriteReport(destination, _send.Ssrc, sender, blocks[..count], _cname);
    }

    /// <summary>Reads a compound packet from the peer.</summary>
    public RtcpParseStatus Process(ReadOnlySpan<byte> datagram, DateTimeOffset now)
    {
        var status = Rtcp.TryParse(datagram, out var compound);
        if (status != RtcpParseStatus.Ok)
        {
            _metrics?.Drop(RtpDropReason.Malformed);
            return status;
        }

        ReportsReceived++;
        if (compound.SenderInfo is { } info)
        {
            _lastSenderReportMiddle = Rtcp.Middle32(info.NtpTimestamp);
            _lastSenderReportArrival = now;
            _haveSenderReport = true;
        }

        foreach (var block in compound.Blocks)
        {
            if (block.Ssrc != _send.Ssrc)
            {
                continue;
            }

            RemoteFractionLost = block.FractionLost / 256.0;
            RemoteCumulativeLost = block.CumulativeLost;
            RemoteJitterSeconds = (double)block.Jitter / _clockRate;
            if (block.LastSenderReport != 0)
            {
                var arrival = Rtcp.Middle32(Rtcp.ToNtp(now));
                var rtt = (int)(arrival - block.LastSenderReport - block.DelaySinceLastSenderReport);
                RoundTripTime = TimeSpan.FromTicks(Math.Max(0, (long)rtt) * TimeSpan.TicksPerSecond / 65536);
            }
        }

        return status;
    }
}
