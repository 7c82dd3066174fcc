using System.Net;
using System.Net.Sockets;

namespace Acd.Transport.Rtp;

/// <summary>The RTP port range and bind address; validated at start-up.</summary>
public sealed record RtpPortPoolOptions
{
    /// <summary>Address the RTP sockets bind to.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>First port of the range (even).</summary>
    public int MinPort { get; init; } = 10000;

    /// <summary>Last port of the range (inclusive; its RTCP port must fit too).</summary>
    public int MaxPort { get; init; } = 20000;

    /// <summary>Socket receive buffer per RTP socket, bytes (0 keeps the OS default).</summary>
    public int ReceiveBufferBytes { get; init; }

    /// <summary>Every problem with these options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"{nameof(RtpPortPoolOptions)}.{nameof(BindAddress)}: '{BindAddress}' is not an IP address.");
        }

        if (MinPort is < 1024 or > 65534 || MinPort % 2 != 0)
        {
            errors.Add($"{nameof(RtpPortPoolOptions)}.{nameof(MinPort)}: {MinPort} is not an even port in 1024-65534.");
        }

        if (MaxPort is < 1025 or > 65535 || MaxPort <= MinPort)
        {
            errors.Add($"{nameof(RtpPortPoolOptions)}.{nameof(MaxPort)}: {MaxPort} must be above {nameof(MinPort)} and at most 65535.");
        }

        if (ReceiveBufferBytes < 0)
        {
            errors.Add($"{nameof(RtpPortPoolOptions)}.{nameof(ReceiveBufferBytes)}: {ReceiveBufferBytes} is negative.");
        }

        return errors;
    }
}

/// <summary>A bound RTP/RTCP socket pair; dispose to close the sockets and return the ports.</summary>
public sealed class RtpPortLease : IDisposable
{
    private readonly RtpPortPool _pool;
    private int _disposed;

    internal RtpPortLease(RtpPortPool pool, int port, Socket rtp, Socket rtcp)
    {
        _pool = pool;
        Port = port;
        Rtp = rtp;
        Rtcp = rtcp;
    }

    /// <summary>The even RTP port; RTCP is on the next one.</summary>
    public int Port { get; }

    /// <summary>The RTP socket.</summary>
    public Socket Rtp { get; }

    /// <summary>The RTCP socket.</summary>
    public Socket Rtcp { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Rtp.Dispose();
        Rtcp.Dispose();
        _pool.Release(Port);
    }
}

/// <summary>
/// Hands out even/odd UDP port pairs from a configured range, round robin (a just-freed port is not reused at
/// once, so late packets of the old call do not reach the new one). Ports another process holds are skipped.
/// </summary>
public sealed class RtpPortPool
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _inUse = [];
    private readonly IPAddress _address;
    private int _next;

    /// <summary>Creates the pool; throws when the options are invalid (validate at start-up).</summary>
    public RtpPortPool(RtpPortPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        _address = IPAddress.Parse(options.BindAddress);
        _next = options.MinPort;
    }

    /// <summary>The options.</summary>
    public RtpPortPoolOptions Options { get; }

    /// <summary>Pairs in the range.</summary>
    public int Capacity => (Options.MaxPort - Options.MinPort + 1) / 2;

    /// <summary>Pairs leased.</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse.Count;
            }
        }
    }

    /// <summary>Binds the next free pair, or returns null when the range is exhausted.</summary>
    public RtpPortLease? TryLease()
    {
        lock (_gate)
        {
            for (var attempt = 0; attempt < Capacity; attempt++)
            {
                var port = _next;
                _next += 2;
                if (_next + 1 > Options.MaxPort)
                {
                    _next = Options.MinPort;
                }

                if (_inUse.Contains(port))
                {
                    continue;
                }

                var rtp = TryBind(port);
                if (rtp is null)
                {
                    continue;
                }

                var rtcp = TryBind(port + 1);
                if (rtcp is null)
                {
                    rtp.Dispose();
                    continue;
                }

                _inUse.Add(port);
                return new RtpPortLease(this, port, rtp, rtcp);
            }
        }

        return null;
    }

    internal void Release(int port)
    {
        lock (_gate)
        {
            _inUse.Remove(port);
        }
    }

    private Socket? TryBind(int port)
    {
        var socket = new Socket(_address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (Options.ReceiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = Options.ReceiveBufferBytes;
            }

            socket.Bind(new IPEndPoint(_address, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}
