using System.Diagnostics.Metrics;

namespace Acd.Media;

/// <summary>Why an inbound RTP/RTCP datagram was dropped; the bounded value of the <c>reason</c> tag.</summary>
public enum RtpDropReason
{
    /// <summary>The packet failed validation (<see cref="Rtp.RtpParseStatus"/>).</summary>
    Malformed,

    /// <summary>The packet came from an address other than the latched remote (RTP injection).</summary>
    UnexpectedSource,

    /// <summary>The packet carried a payload type the leg did not negotiate.</summary>
    UnknownPayloadType,

    /// <summary>A duplicate or too-old sequence number.</summary>
    Duplicate,

    /// <summary>A recording frame did not fit the bounded writer queue.</summary>
    RecorderBackpressure,
}

/// <summary>
/// The media instruments (Meter <c>Acd.Media</c>). Tags are bounded (direction, reason); no per-call tags.
/// One instance per process in production; tests create their own to count in isolation.
/// </summary>
public sealed class MediaMetrics : IDisposable
{
    /// <summary>The meter name the server exports.</summary>
    public const string MeterName = "Acd.Media";

    private static readonly KeyValuePair<string, object?> DirectionIn = new("direction", "in");
    private static readonly KeyValuePair<string, object?> DirectionOut = new("direction", "out");

    private readonly Meter _meter;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a new meter.</summary>
    public MediaMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Packets = _meter.CreateCounter<long>("acd_rtp_packets_total", "{packet}", "RTP packets sent (out) and accepted (in).");
        Bytes = _meter.CreateCounter<long>("acd_rtp_bytes_total", "By", "RTP payload bytes sent (out) and accepted (in).");
        Lost = _meter.CreateCounter<long>("acd_rtp_packets_lost_total", "{packet}", "RTP packets lost on receive, by sequence gaps.");
        Dropped = _meter.CreateCounter<long>("acd_rtp_packets_dropped_total", "{packet}", "Inbound datagrams dropped, by reason.");
        Late = _meter.CreateCounter<long>("acd_rtp_packets_late_total", "{packet}", "Inbound RTP packets that arrived after a later sequence number.");
        Jitter = _meter.CreateHistogram<double>(
            "acd_rtp_jitter_seconds",
            "s",
            "Interarrival jitter (RFC 3550 6.4.1) of a leg, sampled at each RTCP report.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16] });
        SendLateness = _meter.CreateHistogram<double>(
            "acd_rtp_send_lateness_seconds",
            "s",
            "How late each paced frame left against its scheduled send time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05] });
    }

    /// <summary>acd_rtp_packets_total{direction}.</summary>
    public Counter<long> Packets { get; }

    /// <summary>acd_rtp_bytes_total{direction}.</summary>
    public Counter<long> Bytes { get; }

    /// <summary>acd_rtp_packets_lost_total.</summary>
    public Counter<long> Lost { get; }

    /// <summary>acd_rtp_packets_dropped_total{reason}.</summary>
    public Counter<long> Dropped { get; }

    /// <summary>acd_rtp_packets_late_total.</summary>
    public Counter<long> Late { get; }

    /// <summary>acd_rtp_jitter_seconds.</summary>
    public Histogram<double> Jitter { get; }

    /// <summary>acd_rtp_send_lateness_seconds.</summary>
    public Histogram<double> SendLateness { get; }

    internal void PacketSent(int payloadBytes)
    {
        Packets.Add(1, DirectionOut);
        Bytes.Add(payloadBytes, DirectionOut);
    }

    internal void PacketReceived(int payloadBytes)
    {
        Packets.Add(1, DirectionIn);
        Bytes.Add(payloadBytes, DirectionIn);
    }

    /// <summary>Counts a dropped datagram or frame.</summary>
    public void Drop(RtpDropReason reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(reason)));

    private static string ReasonTag(RtpDropReason reason) => reason switch
    {
        RtpDropReason.Malformed => "malformed",
        RtpDropReason.UnexpectedSource => "unexpected_source",
        RtpDropReason.UnknownPayloadType => "unknown_payload_type",
        RtpDropReason.Duplicate => "duplicate",
        _ => "recorder_backpressure",
    };

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
