using System.Diagnostics;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;

namespace Acd.Media;

/// <summary>Where a leg's datagrams go: the transport's socket (or a test's list).</summary>
public interface IRtpSink
{
    /// <summary>Sends one RTP datagram to the leg's remote. Must not block; drops when there is no remote yet.</summary>
    void SendRtp(ReadOnlySpan<byte> datagram);
}

/// <summary>Receives a leg's inbound media when the leg is bridged, mixed or recorded.</summary>
public interface IMediaForwarder
{
    /// <summary>Audio arrived on <paramref name="from"/> (payload in <paramref name="law"/>).</summary>
    void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law);

    /// <summary>A telephone-event packet arrived on <paramref name="from"/>.</summary>
    void OnTelephoneEvent(MediaLeg from, in RtpPacket packet);
}

/// <summary>A leg's counters at one moment, for the call record and the API.</summary>
public sealed record LegStatistics(
    long PacketsSent,
    long OctetsSent,
    long PacketsReceived,
    long OctetsReceived,
    long PacketsLost,
    long PacketsLate,
    double JitterSeconds,
    TimeSpan? RoundTripTime,
    double? RemoteFractionLost,
    double? RemoteJitterSeconds);

/// <summary>How a playback ended.</summary>
public enum PlaybackEnd
{
    /// <summary>The source ran out.</summary>
    Completed,

    /// <summary>Stopped by <see cref="MediaLeg.Stop"/> or replaced by another play.</summary>
    Stopped,

    /// <summary>A digit stopped it (barge-in).</summary>
    BargedIn,
}

/// <summary>
/// The media of one call leg, without sockets: what it plays, what it hears, its RTP numbering and statistics.
/// The transport feeds it inbound packets (<see cref="OnRtp"/>) and gives it an <see cref="IRtpSink"/>; the
/// pacing loop calls <see cref="OnTick"/> every 20 ms. Events are raised on the media threads: handlers must only
/// post to the call's own channel.
/// </summary>
public sealed class MediaLeg : IPacedStream
{
    private readonly Lock _gate = new();
    private readonly byte[] _packet = new byte[RtpPacket.HeaderSize + 1500];
    private readonly byte[] _frame = new byte[G711.SamplesPerFrame];
    private short[] _pcm = [];
    private readonly char[] _digits = new char[4];
    private readonly TelephoneEventReceiver _eventReceiver = new();
    private readonly TelephoneEventSender _eventSender;
    private readonly MediaMetrics _metrics;
    private readonly double _rtpUnitsPerTimestamp;
    private IFrameSource? _source;
    private DtmfDetector? _detector;
    private uint _eventTimestamp;
    private RelayState _relay;
    private long _octetsReceived;

    /// <summary>Creates a leg with its send stream (random SSRC/sequence/timestamp from the caller's source).</summary>
    public MediaLeg(string name, RtpSendStream send, MediaMetrics metrics, TimeSpan? digitDuration = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Send = send ?? throw new ArgumentNullException(nameof(send));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        Receive = new RtpReceiveStatistics();
        Rtcp = new RtcpReporter(send, Receive, name, metrics);
        _eventSender = new TelephoneEventSender(digitDuration ?? TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(60));
        _rtpUnitsPerTimestamp = 8000.0 / Stopwatch.Frequency;
    }

    /// <summary>A name for logs (no per-call metric tags are derived from it).</summary>
    public string Name { get; }

    /// <summary>The outbound stream (SSRC, sequence, timestamp).</summary>
    public RtpSendStream Send { get; }

    /// <summary>Inbound statistics (loss, jitter, late).</summary>
    public RtpReceiveStatistics Receive { get; }

    /// <summary>RTCP state: reports to send, the peer's view, round-trip time.</summary>
    public RtcpReporter Rtcp { get; }

    /// <summary>The negotiated codec and direction; null until <see cref="Configure"/>.</summary>
    public NegotiatedMedia? Media { get; private set; }

    /// <summary>The codec in use (PCMU until configured).</summary>
    public G711Law Law => Media?.Codec ?? G711Law.MuLaw;

    /// <summary>Where outbound datagrams go.</summary>
    public IRtpSink? Sink { get; set; }

    /// <summary>Where inbound media goes besides DTMF detection (bridge, mixer); null when alone.</summary>
    public IMediaForwarder? Forwarder { get; set; }

    /// <summary>Packets sent.</summary>
    public long PacketsSent => Send.PacketsSent;

    /// <summary>Inbound packets dropped for an unknown payload type.</summary>
    public long UnknownPayloadTypes { get; private set; }

    /// <summary>A digit arrived (RFC 4733, SIP INFO or in-band). Raised on a media thread.</summary>
    public event Action<MediaLeg, DtmfDigit>? DigitReceived;

    /// <summary>
    /// A playback ended: the leg, the source that ended (the instance given to <see cref="Play"/>) and how. Raised on a
    /// media thread, or on the thread that called <see cref="Play"/>/<see cref="Stop"/>; a Completed for a source can
    /// arrive after a newer source started, so handlers compare the source with the one they are waiting for.
    /// </summary>
    public event Action<MediaLeg, IFrameSource, PlaybackEnd>? PlaybackFinished;

    /// <summary>Whether something is playing.</summary>
    public bool IsPlaying
    {
        get
        {
            lock (_gate)
            {
                return _source is not null;
            }
        }
    }

    /// <summary>The leg's counters now (RTP numbers, receive loss/jitter/late, RTCP round trip and the peer's view).</summary>
    public LegStatistics Statistics() => new(
        Send.PacketsSent,
        Send.OctetsSent,
        Receive.Received,
        Interlocked.Read(ref _octetsReceived),
        Math.Max(0, Receive.CumulativeLost),
        Receive.Late,
        Rtcp.JitterSeconds,
        Rtcp.RoundTripTime,
        Rtcp.RemoteFractionLost,
        Rtcp.RemoteJitterSeconds);

    /// <summary>Applies an offer/answer outcome (codec, telephone-event type, direction).</summary>
    public void Configure(NegotiatedMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        lock (_gate)
        {
            Media = media;
            _detector?.Reset();
        }
    }

    /// <summary>Turns the in-band Goertzel detector on (phones without RFC 4733) or off.</summary>
    public void DetectInbandDtmf(bool enabled, DtmfDetectorOptions? options = null)
    {
        lock (_gate)
        {
            if (enabled && _pcm.Length == 0)
            {
                _pcm = new short[1500]; // decode buffer, only for legs that detect in-band; set before the detector
            }

            _detector = enabled ? new DtmfDetector(options) : null;
        }
    }

    /// <summary>Starts playing <paramref name="source"/>, replacing (and reporting as stopped) what played before.</summary>
    public void Play(IFrameSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        IFrameSource? previous;
        lock (_gate)
        {
            previous = _source;
            _source = source;
            Send.MarkNext();
        }

        if (previous is not null)
        {
            PlaybackFinished?.Invoke(this, previous, PlaybackEnd.Stopped);
        }
    }

    /// <summary>Stops playback; raises <see cref="PlaybackFinished"/> when something was playing.</summary>
    public void Stop() => EndPlayback(null, PlaybackEnd.Stopped);

    /// <summary>Queues RFC 4733 digits to send (outbound IVR, transfers); false when the peer did not agree telephone-event or a digit is invalid.</summary>
    public bool SendDigits(string digits)
    {
        lock (_gate)
        {
            return Media?.TelephoneEventPayloadType is not null && _eventSender.Enqueue(digits);
        }
    }

    /// <summary>A SIP INFO arrived on the leg's dialog; true when its body was a digit.</summary>
    public bool OnSipInfo(string contentType, ReadOnlySpan<byte> body)
    {
        if (!DtmfInfoParser.TryParse(contentType, body, out var digit))
        {
            return false;
        }

        RaiseDigit(digit);
        return true;
    }

    /// <summary>The pacing loop's 20 ms tick: send the next frame of the source or of queued digits.</summary>
    public void OnTick(in PacingTick tick)
    {
        IFrameSource? finished;
        lock (_gate)
        {
            finished = TickLocked(tick);
        }

        if (finished is not null)
        {
            PlaybackFinished?.Invoke(this, finished, PlaybackEnd.Completed);
        }
    }

    // Returns the source that finished on this tick, or null.
    private IFrameSource? TickLocked(in PacingTick tick)
    {
        var media = Media;
        if (media is null || !media.CanSend || Sink is not { } sink)
        {
            // On hold or no remote yet: playback keeps time (and can finish) without sending.
            if (_source is null)
            {
                return null;
            }

            _source.Skip(tick.MissedFrames);
            return _source.ReadFrame(media?.Codec ?? G711Law.MuLaw, _frame) ? null : EndSource();
        }

        if (tick.MissedFrames > 0)
        {
            Send.Skip(tick.MissedFrames * G711.SamplesPerFrame);
            _source?.Skip(tick.MissedFrames);
        }

        if (media.TelephoneEventPayloadType is { } te && _eventSender.Active)
        {
            Span<byte> payload = stackalloc byte[TelephoneEvent.Size];
            if (_eventSender.TryNext(payload, out var starts))
            {
                if (starts)
                {
                    _eventTimestamp = Send.NextTimestamp;
                }

                var n = Send.WriteEvent(_packet, te, starts, _eventTimestamp, payload);
                Send.Skip(G711.SamplesPerFrame);
                _source?.Skip(1);
                Transmit(sink, n);
                return null;
            }
        }

        if (_source is null)
        {
            return null;
        }

        if (!_source.ReadFrame(media.Codec, _frame))
        {
            return EndSource();
        }

        var length = Send.WriteMedia(_packet, media.PayloadType, _frame, G711.SamplesPerFrame);
        Transmit(sink, length);
        return null;
    }

    private IFrameSource EndSource()
    {
        var ended = _source!;
        _source = null;
        return ended;
    }

    /// <summary>
    /// An inbound datagram from the latched remote (the transport checked the source). Returns the parse status;
    /// malformed packets are counted and dropped.
    /// </summary>
    public RtpParseStatus OnRtp(ReadOnlySpan<byte> datagram, long arrivalTimestamp)
    {
        var status = RtpPacket.TryParse(datagram, out var packet);
        if (status != RtpParseStatus.Ok)
        {
            _metrics.Drop(RtpDropReason.Malformed);
            return status;
        }

        OnRtp(packet, arrivalTimestamp);
        return status;
    }

    /// <summary>An inbound packet already parsed.</summary>
    public void OnRtp(in RtpPacket packet, long arrivalTimestamp)
    {
        var media = Media;
        if (media is null)
        {
            UnknownPayloadTypes++;
            _metrics.Drop(RtpDropReason.UnknownPayloadType);
            return;
        }

        var isAudio = packet.PayloadType == media.PayloadType
            || (packet.PayloadType is 0 or 8 && packet.PayloadType != media.TelephoneEventPayloadType);
        var isEvent = media.TelephoneEventPayloadType is { } te && packet.PayloadType == te;
        if (!isAudio && !isEvent)
        {
            UnknownPayloadTypes++;
            _metrics.Drop(RtpDropReason.UnknownPayloadType);
            return;
        }

        var arrival = (long)(arrivalTimestamp * _rtpUnitsPerTimestamp);
        var order = Receive.Update(packet.Ssrc, packet.SequenceNumber, packet.Timestamp, arrival);
        Rtcp.NoteReceived();
        _metrics.PacketReceived(packet.Payload.Length);
        Interlocked.Add(ref _octetsReceived, packet.Payload.Length);
        if (order == RtpSequenceResult.Late)
        {
            _metrics.Late.Add(1);
            return;
        }

        if (order == RtpSequenceResult.Restart)
        {
            return;
        }

        if (isEvent)
        {
            if (_eventReceiver.Process(packet.Timestamp, packet.Payload, out var digit))
            {
                RaiseDigit(digit);
            }

            Forwarder?.OnTelephoneEvent(this, packet);
            return;
        }

        var law = (G711Law)packet.PayloadType;
        var detector = _detector;
        var pcm = _pcm;
        if (detector is not null && pcm.Length > 0)
        {
            var length = Math.Min(packet.Payload.Length, pcm.Length);
            G711.Decode(law, packet.Payload[..length], pcm);
            var found = detector.Process(pcm.AsSpan(0, length), _digits);
            for (var i = 0; i < found; i++)
            {
                RaiseDigit(new DtmfDigit(_digits[i], DtmfSource.InBand, TimeSpan.FromMilliseconds(40)));
            }
        }

        Forwarder?.OnAudio(this, packet, law);
    }

    /// <summary>
    /// Sends a packet relayed from another leg (bridge), on this leg's own sequence and timestamp line, transcoding
    /// G.711 when the laws differ. Dropped while this leg plays something (the prompt wins) or cannot send.
    /// </summary>
    internal void Relay(in RtpPacket packet, G711Law? fromLaw)
    {
        lock (_gate)
        {
            var media = Media;
            if (media is null || !media.CanSend || Sink is not { } sink || _source is not null)
            {
                return;
            }

            // Map the source's timestamps onto ours once per source stream, so event timestamps and gaps survive.
            if (!_relay.Active || _relay.Ssrc != packet.Ssrc)
            {
                _relay = new RelayState(true, packet.Ssrc, Send.NextTimestamp - packet.Timestamp);
                Send.MarkNext();
            }

            var timestamp = packet.Timestamp + _relay.Offset;
            int length;
            if (fromLaw is { } law)
            {
                var payload = packet.Payload;
                if (payload.Length > _packet.Length - RtpPacket.HeaderSize)
                {
                    return;
                }

                G711.Transcode(law, media.Codec, payload, _packet.AsSpan(RtpPacket.HeaderSize));
                var ahead = (int)(timestamp - Send.NextTimestamp);
                if (ahead > 0 && ahead < 8000)
                {
                    Send.Skip(ahead); // a gap at the source (loss or silence) stays a gap here
                }

                if (packet.Marker)
                {
                    Send.MarkNext();
                }

                var header = Send.WriteMedia(_packet, media.PayloadType, _packet.AsSpan(RtpPacket.HeaderSize, payload.Length), payload.Length);
                length = header;
            }
            else
            {
                if (media.TelephoneEventPayloadType is not { } te)
                {
                    return;
                }

                length = Send.WriteEvent(_packet, te, packet.Marker, timestamp, packet.Payload);
            }

            Transmit(sink, length);
        }
    }

    /// <summary>Sends one frame produced elsewhere (the conference mixer) on this leg's stream.</summary>
    internal void SendFrame(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            var media = Media;
            if (media is null || !media.CanSend || Sink is not { } sink || _source is not null)
            {
                return;
            }

            var length = Send.WriteMedia(_packet, media.PayloadType, payload, payload.Length);
            Transmit(sink, length);
        }
    }

    private void Transmit(IRtpSink sink, int length)
    {
        sink.SendRtp(_packet.AsSpan(0, length));
        _metrics.PacketSent(length - RtpPacket.HeaderSize);
    }

    private void RaiseDigit(DtmfDigit digit)
    {
        bool barge;
        lock (_gate)
        {
            barge = _source is { BargeIn: true };
        }

        if (barge)
        {
            EndPlayback(null, PlaybackEnd.BargedIn);
        }

        DigitReceived?.Invoke(this, digit);
    }

    private void EndPlayback(IFrameSource? next, PlaybackEnd reason)
    {
        IFrameSource? previous;
        lock (_gate)
        {
            previous = _source;
            _source = next;
        }

        if (previous is not null)
        {
            PlaybackFinished?.Invoke(this, previous, reason);
        }
    }

    private readonly record struct RelayState(bool Active, uint Ssrc, uint Offset);
}
