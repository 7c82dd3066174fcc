using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Acd.Media;
using Acd.Media.Clock;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Transport.Rtp;

/// <summary>Per-session behaviour; validated at start-up.</summary>
public sealed record RtpSessionOptions
{
    /// <summary>
    /// Symmetric RTP (RFC 4961) with latching: send to where the first valid packet came from (NAT), and drop
    /// packets from any other source afterwards (RTP injection). Off: accept only from the SDP address.
    /// </summary>
    public bool SymmetricLatching { get; init; } = true;

    /// <summary>RTCP report interval (RFC 3550 recommends 5 s minimum).</summary>
    public TimeSpan RtcpInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>CNAME domain part of RTCP SDES.</summary>
    public string CnameHost { get; init; } = "acd";

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RtcpInterval < TimeSpan.FromMilliseconds(100) || RtcpInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{nameof(RtpSessionOptions)}.{nameof(RtcpInterval)}: {RtcpInterval} is outside 100 ms - 1 min.");
        }

        if (string.IsNullOrWhiteSpace(CnameHost))
        {
            errors.Add($"{nameof(RtpSessionOptions)}.{nameof(CnameHost)}: must not be empty.");
        }

        return errors;
    }
}

/// <summary>
/// One leg's RTP and RTCP over UDP: a pooled port pair, one async receive loop per socket into a preallocated
/// buffer with a reused <see cref="SocketAddress"/> (no allocation per packet), symmetric latching, and sends from
/// the pacing thread straight to the socket. Media behaviour lives in <see cref="MediaLeg"/>; register the session
/// (not the leg) on the <see cref="IMediaClock"/> so RTCP rides the same clock.
/// </summary>
public sealed partial class RtpSession : IRtpSink, IPacedStream, IAsyncDisposable
{
    private readonly RtpPortLease _lease;
    private readonly RtpSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly MediaMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _rtcpSend = new byte[1500];
    private readonly int _rtcpEveryTicks;
    private readonly double _toStopwatch;
    private SocketAddress? _remoteRtp;
    private SocketAddress? _remoteRtcp;
    private IPAddress? _expectedAddress;
    private volatile bool _latched;
    private volatile bool _rtcpLatched;
    private int _ticksToRtcp;
    private Task _rtpLoop = Task.CompletedTask;
    private Task _rtcpLoop = Task.CompletedTask;
    private long _rejectedSources;
    private long _malformed;
    private long _sendErrors;

    internal RtpSession(RtpPortLease lease, MediaLeg leg, RtpSessionOptions options, TimeProvider time, MediaMetrics metrics, ILogger? logger)
    {
        _lease = lease;
        Leg = leg;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger ?? NullLogger.Instance;
        _rtcpEveryTicks = Math.Max(1, (int)(options.RtcpInterval.TotalMilliseconds / 20));
        _ticksToRtcp = _rtcpEveryTicks;
        _toStopwatch = (double)Stopwatch.Frequency / time.TimestampFrequency;
        leg.Sink = this;
    }

    /// <summary>The leg's media (play, stop, digits, statistics).</summary>
    public MediaLeg Leg { get; }

    /// <summary>The local RTP port (RTCP is the next one), for the SDP.</summary>
    public int LocalPort => _lease.Port;

    /// <summary>Where RTP goes now: the latched source, else the SDP address; null before either is known.</summary>
    public IPEndPoint? Remote => _remoteRtp is { } address ? ToEndPoint(address) : null;

    /// <summary>Whether the session latched onto a source.</summary>
    public bool Latched => _latched;

    /// <summary>Datagrams dropped because they came from an unexpected source.</summary>
    public long RejectedSources => Interlocked.Read(ref _rejectedSources);

    /// <summary>Datagrams dropped as malformed (RTP or RTCP).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Send failures (e.g. ICMP unreachable reported on a later send).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Registration on the pacing clock, set by the factory.</summary>
    public PacedStreamHandle? PacingHandle { get; internal set; }

    /// <summary>Applies an offer/answer outcome: codec, telephone-event type and direction to the leg, address here.</summary>
    public void Apply(NegotiatedMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        Leg.Configure(media);
        SetRemote(media.Remote);
    }

    /// <summary>Points the session at the peer from SDP (initial or re-INVITE); clears the latch.</summary>
    public void SetRemote(IPEndPoint? remote)
    {
        _latched = false;
        _rtcpLatched = false;
        _expectedAddress = remote?.Address;
        _remoteRtp = remote?.Serialize();
        _remoteRtcp = remote is null ? null : new IPEndPoint(remote.Address, remote.Port + 1).Serialize();
    }

    /// <summary>Starts the receive loops.</summary>
    public void Start()
    {
        _rtpLoop = Task.Run(() => ReceiveLoopAsync(_lease.Rtp, rtcp: false));
        _rtcpLoop = Task.Run(() => ReceiveLoopAsync(_lease.Rtcp, rtcp: true));
    }

    /// <inheritdoc />
    public void SendRtp(ReadOnlySpan<byte> datagram)
    {
        var remote = _remoteRtp;
        if (remote is null)
        {
            return;
        }

        try
        {
            _lease.Rtp.SendTo(datagram, SocketFlags.None, remote);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
    }

    /// <summary>The pacing tick: the leg's frame, and an RTCP report every interval.</summary>
    public void OnTick(in PacingTick tick)
    {
        Leg.OnTick(tick);
        _ticksToRtcp -= 1 + tick.MissedFrames;
        if (_ticksToRtcp <= 0)
        {
            _ticksToRtcp = _rtcpEveryTicks;
            SendRtcpReport();
        }
    }

    /// <summary>Sends an RTCP SR/RR now (the clock also does every interval).</summary>
    public void SendRtcpReport()
    {
        var remote = _remoteRtcp;
        if (remote is null)
        {
            return;
        }

        var length = Leg.Rtcp.BuildReport(_rtcpSend, _time.GetUtcNow());
        try
        {
            _lease.Rtcp.SendTo(_rtcpSend.AsSpan(0, length), SocketFlags.None, remote);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
    }

    /// <summary>Stops the loops, unregisters from the clock and returns the ports.</summary>
    public async ValueTask DisposeAsync()
    {
        PacingHandle?.Dispose();
        if (_remoteRtcp is { } remote)
        {
            var length = Rtcp.WriteBye(_rtcpSend, Leg.Send.Ssrc);
            try
            {
                _lease.Rtcp.SendTo(_rtcpSend.AsSpan(0, length), SocketFlags.None, remote);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _sendErrors);
            }
        }

        await _stop.CancelAsync();
        _lease.Dispose();
        try
        {
            await Task.WhenAll(_rtpLoop, _rtcpLoop);
        }
        catch (OperationCanceledException)
        {
            // the loops end by cancellation
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(Socket socket, bool rtcp)
    {
        var buffer = GC.AllocateArray<byte>(2048, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize)
            {
                continue; // ICMP errors from earlier sends, oversize datagrams: not fatal to the session
            }
            catch (SocketException ex)
            {
                Log.ReceiveFailed(_logger, LocalPort, ex);
                break;
            }

            var arrival = (long)(_time.GetTimestamp() * _toStopwatch);
            try
            {
                if (rtcp)
                {
                    OnRtcp(buffer.AsSpan(0, received), from);
                }
                else
                {
                    OnRtp(buffer.AsSpan(0, received), from, arrival);
                }
            }
#pragma warning disable CA1031 // a throwing event handler must not end the leg's receive loop
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, LocalPort, ex);
            }
        }
    }

    private void OnRtp(ReadOnlySpan<byte> datagram, SocketAddress from, long arrival)
    {
        if (RtpPacket.TryParse(datagram, out var packet) != RtpParseStatus.Ok)
        {
            Interlocked.Increment(ref _malformed);
            _metrics.Drop(RtpDropReason.Malformed);
            return;
        }

        if (!Accept(from, rtcp: false))
        {
            return;
        }

        Leg.OnRtp(packet, arrival);
    }

    private void OnRtcp(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (Rtcp.TryParse(datagram, out _) != RtcpParseStatus.Ok)
        {
            Interlocked.Increment(ref _malformed);
            _metrics.Drop(RtpDropReason.Malformed);
            return;
        }

        if (!Accept(from, rtcp: true))
        {
            return;
        }

        Leg.Rtcp.Process(datagram, _time.GetUtcNow());
    }

    private bool Accept(SocketAddress from, bool rtcp)
    {
        if (rtcp ? _rtcpLatched : _latched)
        {
            if (from.Equals(rtcp ? _remoteRtcp : _remoteRtp))
            {
                return true;
            }

            Reject(from, rtcp);
            return false;
        }

        if (!_options.SymmetricLatching)
        {
            var expected = _expectedAddress;
            if (expected is not null && ToEndPoint(from).Address.Equals(expected))
            {
                return true;
            }

            Reject(from, rtcp);
            return false;
        }

        // First valid packet: latch (NAT traversal); from now on only this source is accepted.
        var copy = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
        if (rtcp)
        {
            _remoteRtcp = copy;
            _rtcpLatched = true;
        }
        else
        {
            _remoteRtp = copy;
            _latched = true;
            if (!_rtcpLatched)
            {
                // Until the peer's RTCP arrives, assume it sits next to its RTP port behind the same NAT binding.
                var endPoint = ToEndPoint(copy);
                _remoteRtcp = endPoint.Port < IPEndPoint.MaxPort ? new IPEndPoint(endPoint.Address, endPoint.Port + 1).Serialize() : null;
            }
        }

        Log.Latched(_logger, LocalPort, rtcp ? "RTCP" : "RTP", ToEndPoint(copy).ToString());
        return true;
    }

    private void Reject(SocketAddress from, bool rtcp)
    {
        if (Interlocked.Increment(ref _rejectedSources) == 1)
        {
            Log.Rejected(_logger, LocalPort, rtcp ? "RTCP" : "RTP", ToEndPoint(from).ToString());
        }

        _metrics.Drop(RtpDropReason.UnexpectedSource);
    }

    private static IPEndPoint ToEndPoint(SocketAddress address) =>
        (IPEndPoint)new IPEndPoint(address.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "RTP session on port {Port} latched {Protocol} to {Remote}")]
        public static partial void Latched(ILogger logger, int port, string protocol, string remote);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "RTP session on port {Port} rejected {Protocol} from unexpected source {Source} (further rejections counted, not logged)")]
        public static partial void Rejected(ILogger logger, int port, string protocol, string source);

        [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "RTP session on port {Port}: a media event handler threw; the packet was dropped")]
        public static partial void HandlerFailed(ILogger logger, int port, Exception exception);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "RTP session on port {Port} stopped receiving")]
        public static partial void ReceiveFailed(ILogger logger, int port, Exception exception);
    }
}

/// <summary>
/// Creates RTP sessions for the call layer: leases a port pair, creates the leg with random SSRC, sequence and
/// timestamp (from the injected <see cref="Random"/>), registers it on the pacing clock and starts receiving.
/// </summary>
public sealed class RtpSessionFactory
{
    private readonly RtpPortPool _pool;
    private readonly IMediaClock _clock;
    private readonly RtpSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly MediaMetrics _metrics;
    private readonly Random _random;
    private readonly ILoggerFactory _loggers;
    private readonly Lock _randomGate = new();

    /// <summary>Creates the factory.</summary>
    public RtpSessionFactory(RtpPortPool pool, IMediaClock clock, RtpSessionOptions options, TimeProvider time, MediaMetrics metrics, Random random, ILoggerFactory? loggers = null)
    {
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = time ?? throw new ArgumentNullException(nameof(time));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _loggers = loggers ?? NullLoggerFactory.Instance;
    }

    /// <summary>A new started session, or null when the port range is exhausted.</summary>
    public RtpSession? Create(string name)
    {
        var lease = _pool.TryLease();
        if (lease is null)
        {
            return null;
        }

        RtpSendStream send;
        lock (_randomGate)
        {
            send = RtpSendStream.Create(_random);
        }

        var leg = new MediaLeg($"{name}@{_options.CnameHost}", send, _metrics);
        var session = new RtpSession(lease, leg, _options, _time, _metrics, _loggers.CreateLogger<RtpSession>());
        session.PacingHandle = _clock.Add(session);
        session.Start();
        return session;
    }
}
