using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Acd.Sip;
using Acd.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Acd.Transport.Sip;

/// <summary>
/// SIP over UDP and TCP (IPv4 and IPv6): one async receive loop per UDP socket (a few per socket for
/// parallelism), one accept loop per TCP listener, one read and one write loop per TCP connection. TCP
/// connections are reused for requests and responses to the same peer, closed when idle, when a message
/// stalls half-sent (slowloris), on framing errors, and refused beyond the total and per-address limits.
/// Implements <see cref="ISipSender"/> for the transaction layer.
/// </summary>
public sealed class SipTransport : ISipSender, IAsyncDisposable
{
    private readonly SipTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SipTransportMetrics _metrics;
    private readonly SipParserLimits _limits;
    private readonly List<Socket> _udp = [];
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<long, SipTcpConnection> _connections = new();
    private readonly ConcurrentDictionary<IPEndPoint, SipTcpConnection> _byRemote = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _countGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private ISipMessageHandler? _handler;
    private long _nextConnectionId;
    private int _connectionCount;

    /// <summary>Creates the transport; throws listing every error when the options are invalid.</summary>
    public SipTransport(SipTransportOptions options, TimeProvider time, ILogger<SipTransport> logger, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid SIP transport options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _time = time;
        _logger = logger;
        _metrics = new SipTransportMetrics(meterFactory);
        _limits = new SipParserLimits(options.MaxMessageBytes, maxHeaderLineBytes: Math.Min(SipParserLimits.DefaultMaxHeaderLineBytes, options.MaxMessageBytes));
    }

    /// <summary>The bound UDP endpoints (actual ports when 0 was configured).</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => _udp.Select(s => (IPEndPoint)s.LocalEndPoint!).ToList();

    /// <summary>The bound TCP endpoints.</summary>
    public IReadOnlyList<IPEndPoint> TcpEndPoints => _listeners.Select(s => (IPEndPoint)s.LocalEndPoint!).ToList();

    /// <summary>Open TCP connections.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    internal SipParserLimits Limits => _limits;

    internal SipTransportOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    internal SipTransportMetrics Metrics => _metrics;

    internal ISipMessageHandler Handler => _handler!;

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Binds every endpoint and starts the loops; messages go to <paramref name="handler"/>.</summary>
    public void Start(ISipMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_handler is not null)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        _handler = handler;
        var errors = new List<string>();
        foreach (var endPoint in SipTransportOptions.ParseEndPoints(_options.Udp, nameof(_options.Udp), errors))
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            if (_options.UdpReceiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = _options.UdpReceiveBufferBytes;
                socket.SendBufferSize = _options.UdpReceiveBufferBytes;
            }

            socket.Bind(endPoint);
            _udp.Add(socket);
            Log.Listening(_logger, "UDP", socket.LocalEndPoint!);
            var index = _udp.Count;
            for (var i = 0; i < _options.UdpReceiveLoops; i++)
            {
                _loops.Add(Task.Run(() => UdpLoopAsync(socket, index)));
            }
        }

        foreach (var endPoint in SipTransportOptions.ParseEndPoints(_options.Tcp, nameof(_options.Tcp), errors))
        {
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endPoint);
            listener.Listen(512);
            _listeners.Add(listener);
            Log.Listening(_logger, "TCP", listener.LocalEndPoint!);
            _loops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        }
    }

    /// <inheritdoc />
    public void Send(ReadOnlyMemory<byte> message, in SipPeer destination)
    {
        if (message.Length > _options.MaxMessageBytes)
        {
            _metrics.Drop("send_too_large");
            Log.MessageTooLarge(_logger, message.Length, destination.ToString(), _options.MaxMessageBytes);
            return;
        }

        if (destination.Protocol == SipTransportProtocol.Udp)
        {
            if (message.Length > _options.UdpMtuBytes && IsRequest(message.Span) && _listeners.Count > 0)
            {
                // RFC 3261 18.1.1: a request larger than the path MTU goes over a congestion-controlled transport,
                // and its top Via then names that transport.
                SendTcp(WithTopViaTransport(message, "TCP"u8), destination with { Protocol = SipTransportProtocol.Tcp, ConnectionId = 0 });
                return;
            }

            SendUdp(message, destination);
            return;
        }

        SendTcp(message, destination);
    }

    private static bool IsRequest(ReadOnlySpan<byte> message) => !message.StartsWith("SIP/"u8);

    /// <summary>
    /// A copy of <paramref name="message"/> whose top Via's sent-protocol transport is <paramref name="transport"/>
    /// (three letters, as UDP and TCP are, so lengths do not change). The first "SIP/2.0/UDP" after the request line
    /// is the top Via's: no other header carries a sent-protocol. Unchanged when there is none.
    /// </summary>
    internal static ReadOnlyMemory<byte> WithTopViaTransport(ReadOnlyMemory<byte> message, ReadOnlySpan<byte> transport)
    {
        var span = message.Span;
        var lineEnd = span.IndexOf("\r\n"u8);
        var at = lineEnd < 0 ? -1 : span[lineEnd..].IndexOf("SIP/2.0/UDP"u8);
        if (at < 0 || transport.Length != 3)
        {
            return message;
        }

        var copy = message.ToArray();
        transport.CopyTo(copy.AsSpan(lineEnd + at + "SIP/2.0/".Length));
        return copy;
    }

    private void SendUdp(ReadOnlyMemory<byte> message, in SipPeer destination)
    {
        if (message.Length > 65_507)
        {
            _metrics.Drop("udp_too_large");
            Log.MessageTooLarge(_logger, message.Length, destination.ToString(), 65_507);
            return;
        }

        var socket = PickUdpSocket(destination);
        if (socket is null)
        {
            _metrics.Drop("no_udp_socket");
            Log.SendFailed(_logger, "UDP", destination.ToString(), "no UDP socket of that address family");
            return;
        }

        try
        {
            socket.SendTo(message.Span, SocketFlags.None, destination.EndPoint);
            _metrics.Sent.Add(1, new KeyValuePair<string, object?>("transport", "udp"));
        }
        catch (SocketException e)
        {
            _metrics.Drop("udp_send_error");
            Log.SendFailed(_logger, "UDP", destination.ToString(), e.SocketErrorCode.ToString());
        }
        catch (ObjectDisposedException)
        {
            _metrics.Drop("stopped");
        }
    }

    private Socket? PickUdpSocket(in SipPeer destination)
    {
        var index = (int)destination.ConnectionId;
        if (index > 0 && index <= _udp.Count)
        {
            return _udp[index - 1];
        }

        foreach (var socket in _udp)
        {
            if (socket.AddressFamily == destination.EndPoint.AddressFamily)
            {
                return socket;
            }
        }

        return null;
    }

    private void SendTcp(ReadOnlyMemory<byte> message, in SipPeer destination)
    {
        if (destination.ConnectionId != 0 && _connections.TryGetValue(destination.ConnectionId, out var byId) && byId.TryEnqueue(message))
        {
            return;
        }

        if (_byRemote.TryGetValue(destination.EndPoint, out var existing) && existing.TryEnqueue(message))
        {
            return;
        }

        if (!TryReserve(destination.EndPoint.Address, out var reason))
        {
            _metrics.Drop("connection_limit");
            Log.SendFailed(_logger, "TCP", destination.ToString(), reason);
            return;
        }

        var socket = new Socket(destination.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new SipTcpConnection(this, socket, Interlocked.Increment(ref _nextConnectionId), destination.EndPoint, outbound: true);
        Register(connection);
        connection.TryEnqueue(message);
        connection.Start();
    }

    private async Task UdpLoopAsync(Socket socket, int index)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65_536, pinned: true);
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                _metrics.Drop("udp_receive_error");
                continue;
            }
            catch (SocketException e)
            {
                if (token.IsCancellationRequested)
                {
                    break;
                }

                _metrics.Drop("udp_receive_error");
                Log.UdpReceiveError(_logger, socket.LocalEndPoint!, e);
                continue;
            }

            var length = result.ReceivedBytes;
            if (length == 0)
            {
                continue;
            }

            _metrics.Received.Add(1, new KeyValuePair<string, object?>("transport", "udp"));
            if (length > _options.MaxMessageBytes)
            {
                _metrics.Drop("udp_too_large");
                continue;
            }

            var message = buffer.AsSpan(0, length).ToArray();
            var peer = new SipPeer((IPEndPoint)result.RemoteEndPoint, SipTransportProtocol.Udp, index);
            Dispatch(message, peer, SipFraming.Datagram);
        }
    }

    internal bool Dispatch(ReadOnlyMemory<byte> message, in SipPeer peer, SipFraming framing)
    {
        try
        {
            return _handler!.OnMessage(message, peer, framing);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _metrics.Drop("handler_error");
            Log.HandlerFailed(_logger, peer.ToString(), e);
            return framing == SipFraming.Datagram;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                _metrics.Drop("accept_error");
                continue;
            }

            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            if (!TryReserve(remote.Address, out var reason))
            {
                _metrics.Closed("limit");
                Log.ConnectionRefused(_logger, remote.ToString(), reason);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var connection = new SipTcpConnection(this, socket, Interlocked.Increment(ref _nextConnectionId), remote, outbound: false);
            Register(connection);
            connection.Start();
        }
    }

    private bool TryReserve(IPAddress address, out string reason)
    {
        lock (_countGate)
        {
            if (_connectionCount >= _options.MaxConnections)
            {
                reason = $"total connection limit {_options.MaxConnections} reached";
                return false;
            }

            _perAddress.TryGetValue(address, out var count);
            if (count >= _options.MaxConnectionsPerAddress)
            {
                reason = $"per-address connection limit {_options.MaxConnectionsPerAddress} reached";
                return false;
            }

            _perAddress[address] = count + 1;
            _connectionCount++;
            reason = string.Empty;
            return true;
        }
    }

    private void Register(SipTcpConnection connection)
    {
        _connections[connection.Id] = connection;
        _byRemote[connection.Remote] = connection;
        _metrics.OpenConnections.Add(1);
    }

    internal void Unregister(SipTcpConnection connection, string reason)
    {
        if (!_connections.TryRemove(connection.Id, out _))
        {
            return;
        }

        ((ICollection<KeyValuePair<IPEndPoint, SipTcpConnection>>)_byRemote).Remove(new(connection.Remote, connection));
        lock (_countGate)
        {
            _connectionCount--;
            if (_perAddress.TryGetValue(connection.Remote.Address, out var count))
            {
                if (count <= 1)
                {
                    _perAddress.Remove(connection.Remote.Address);
                }
                else
                {
                    _perAddress[connection.Remote.Address] = count - 1;
                }
            }
        }

        _metrics.OpenConnections.Add(-1);
        _metrics.Closed(reason);
        Log.ConnectionClosed(_logger, connection.Id, connection.Remote.ToString(), reason);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var socket in _udp.Concat(_listeners))
        {
            socket.Dispose();
        }

        foreach (var connection in _connections.Values)
        {
            connection.Close("shutdown");
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Loops end with their sockets; a stuck one must not block shutdown.
        }

        _metrics.Dispose();
        _stopping.Dispose();
    }
}
