using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Acd.Sip;
using Acd.Sip.Transactions;
using Acd.Transport.Sip;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Acd.Transport.Tests.Sip;

public sealed class SipTransportTests : IAsyncLifetime
{
    private const string Options = "OPTIONS sip:acd@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK1\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly Handler _handler = new();
    private SipTransport _transport = null!;

    private sealed class Handler : ISipMessageHandler
    {
        public BlockingCollection<(string Text, SipPeer Peer, SipFraming Framing)> Messages { get; } = [];

        public bool ThrowNext { get; set; }

        public bool OnMessage(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing)
        {
            var text = Encoding.ASCII.GetString(message.Span);
            if (ThrowNext)
            {
                ThrowNext = false;
                throw new InvalidOperationException("handler failure");
            }

            Messages.Add((text, source, framing));
            return !text.StartsWith("BAD", StringComparison.Ordinal);
        }

        public (string Text, SipPeer Peer, SipFraming Framing) Next()
        {
            Assert.True(Messages.TryTake(out var item, Deadline), "no message arrived");
            return item;
        }
    }

    private SipTransportOptions TransportOptions { get; set; } = new()
    {
        Udp = ["127.0.0.1:0"],
        Tcp = ["127.0.0.1:0"],
        UdpReceiveLoops = 1,
        PartialMessageTimeout = TimeSpan.FromMilliseconds(300),
        IdleTimeout = TimeSpan.FromSeconds(30),
        MaxConnectionsPerAddress = 2,
    };

    public Task InitializeAsync()
    {
        _transport = new SipTransport(TransportOptions, TimeProvider.System, NullLogger<SipTransport>.Instance);
        _transport.Start(_handler);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _transport.DisposeAsync();

    private async Task<Socket> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_transport.TcpEndPoints[0]);
        return client;
    }

    private static async Task<string> ReadAsync(Socket socket, int atLeast)
    {
        var buffer = new byte[8192];
        var total = 0;
        using var cts = new CancellationTokenSource(Deadline);
        while (total < atLeast)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return Encoding.ASCII.GetString(buffer, 0, total);
    }

    private static async Task<bool> ClosedByServerAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Udp_DatagramInAndResponseOut_RoundTrips()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync(Encoding.ASCII.GetBytes(Options), _transport.UdpEndPoints[0]);
        var (text, peer, framing) = _handler.Next();
        Assert.Equal(Options, text);
        Assert.Equal(SipFraming.Datagram, framing);
        Assert.Equal(client.LocalEndPoint, peer.EndPoint);

        _transport.Send(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\n\r\n"), peer);
        var buffer = new byte[100];
        using var cts = new CancellationTokenSource(Deadline);
        var n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.Equal("SIP/2.0 200 OK\r\n\r\n", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Udp_HandlerThrows_NextDatagramStillHandled()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _handler.ThrowNext = true;
        await client.SendToAsync(Encoding.ASCII.GetBytes("garbage\0\r\n"), _transport.UdpEndPoints[0]);
        await client.SendToAsync(Encoding.ASCII.GetBytes(Options), _transport.UdpEndPoints[0]);
        Assert.Equal(Options, _handler.Next().Text);
    }

    [Fact]
    public async Task Tcp_TwoMessagesSplitAcrossWrites_BothFramedAndResponseReusesConnection()
    {
        using var client = await ConnectAsync();
        var bytes = Encoding.ASCII.GetBytes(Options + Options);
        for (var i = 0; i < bytes.Length; i += 7)
        {
            await client.SendAsync(bytes.AsMemory(i, Math.Min(7, bytes.Length - i)), SocketFlags.None);
        }

        var first = _handler.Next();
        var second = _handler.Next();
        Assert.Equal(Options, first.Text);
        Assert.Equal(Options, second.Text);
        Assert.Equal(SipFraming.Stream, first.Framing);
        Assert.Equal(SipTransportProtocol.Tcp, first.Peer.Protocol);
        Assert.NotEqual(0, first.Peer.ConnectionId);

        _transport.Send(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"), first.Peer);
        Assert.StartsWith("SIP/2.0 200 OK", await ReadAsync(client, 20), StringComparison.Ordinal);
        Assert.Equal(1, _transport.ConnectionCount);
    }

    [Fact]
    public async Task Tcp_Garbage_ConnectionClosed()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes("OPTIONS sip:a SIP/2.0\r\nContent-Length: 13\r\nContent-Length: 5\r\n\r\nhello"), SocketFlags.None);
        Assert.True(await ClosedByServerAsync(client));
    }

    [Fact]
    public async Task Tcp_HandlerRejectsMessage_ConnectionClosed()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes("BAD sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n"), SocketFlags.None);
        Assert.True(await ClosedByServerAsync(client));
    }

    [Fact]
    public async Task Tcp_HalfSentMessageStalls_ClosedAfterPartialTimeout()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP"), SocketFlags.None);
        var started = DateTime.UtcNow;
        Assert.True(await ClosedByServerAsync(client));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
        Assert.True(_handler.Messages.Count == 0);
    }

    [Fact]
    public async Task Tcp_SlowDripKeepsSendingBytes_StillClosedAtPartialTimeout()
    {
        using var client = await ConnectAsync();
        var closed = ClosedByServerAsync(client);
        var header = Encoding.ASCII.GetBytes("OPTIONS sip:a SIP/2.0\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        for (var i = 0; i < header.Length && !closed.IsCompleted; i++)
        {
            try
            {
                await client.SendAsync(header.AsMemory(i, 1), SocketFlags.None);
            }
            catch (SocketException)
            {
                break;
            }

            await Task.WhenAny(closed, Task.Delay(50));
        }

        Assert.True(await closed);
    }

    [Fact]
    public async Task Tcp_PerAddressLimit_ExtraConnectionRefused()
    {
        using var a = await ConnectAsync();
        using var b = await ConnectAsync();
        await a.SendAsync(Encoding.ASCII.GetBytes(Options), SocketFlags.None);
        await b.SendAsync(Encoding.ASCII.GetBytes(Options), SocketFlags.None);
        _handler.Next();
        _handler.Next();
        using var c = await ConnectAsync();
        Assert.True(await ClosedByServerAsync(c));
        Assert.Equal(2, _transport.ConnectionCount);
    }

    [Fact]
    public async Task Tcp_SendToNewPeer_OpensConnectionAndReusesIt()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var peer = new SipPeer((IPEndPoint)listener.LocalEndPoint!, SipTransportProtocol.Tcp);
        _transport.Send(Encoding.ASCII.GetBytes(Options), peer);
        using var accepted = await listener.AcceptAsync().WaitAsync(Deadline);
        Assert.Equal(Options, await ReadAsync(accepted, Options.Length));
        _transport.Send(Encoding.ASCII.GetBytes(Options), peer);
        Assert.Equal(Options, await ReadAsync(accepted, Options.Length));
        Assert.Equal(1, _transport.ConnectionCount);

        // The peer's request on the same connection reaches the handler.
        await accepted.SendAsync(Encoding.ASCII.GetBytes(Options), SocketFlags.None);
        Assert.Equal(Options, _handler.Next().Text);
    }

    [Fact]
    public async Task Send_RequestOverMtuToUdpPeer_GoesOverTcp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var big = "MESSAGE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-big\r\nContent-Length: 1500\r\n\r\n" + new string('x', 1500);
        _transport.Send(Encoding.ASCII.GetBytes(big), new SipPeer((IPEndPoint)listener.LocalEndPoint!, SipTransportProtocol.Udp));
        using var accepted = await listener.AcceptAsync().WaitAsync(Deadline);
        Assert.Equal(big.Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal), await ReadAsync(accepted, big.Length));
    }

    [Fact]
    public async Task Tcp_KeepAlivePing_AnsweredWithPong()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes("\r\n\r\n"), SocketFlags.None);
        Assert.Equal("\r\n", await ReadAsync(client, 2));
    }

    [Fact]
    public void Validate_BadOptions_ReturnsEveryError()
    {
        var errors = new SipTransportOptions { Udp = ["nonsense"], Tcp = [], MaxConnections = 0, IdleTimeout = TimeSpan.Zero }.Validate();
        Assert.Contains(errors, e => e.StartsWith("Udp[0]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MaxConnections:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("IdleTimeout", StringComparison.Ordinal));
    }
}

public sealed class SipTransportIpv6Tests
{
    private sealed class Collect : ISipMessageHandler
    {
        public BlockingCollection<SipPeer> Peers { get; } = [];

        public bool OnMessage(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing)
        {
            Peers.Add(source);
            return true;
        }
    }

    [Fact]
    public async Task Udp_Ipv6Loopback_RoundTrips()
    {
        var handler = new Collect();
        await using var transport = new SipTransport(new SipTransportOptions { Udp = ["[::1]:0"], Tcp = [], UdpReceiveLoops = 1 }, TimeProvider.System, NullLogger<SipTransport>.Instance);
        transport.Start(handler);
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        await client.SendToAsync(Encoding.ASCII.GetBytes("OPTIONS sip:[::1] SIP/2.0\r\n\r\n"), transport.UdpEndPoints[0]);
        Assert.True(handler.Peers.TryTake(out var peer, TimeSpan.FromSeconds(10)));
        Assert.Equal(IPAddress.IPv6Loopback, peer.EndPoint.Address);
        transport.Send(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\n\r\n"), peer);
        var buffer = new byte[64];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(18, await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token));
    }
}
