using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Acd.Server.Configuration;
using StackExchange.Redis;

namespace Acd.Server.Api;

/// <summary>
/// <c>/health</c> (open, no token): Redis answers a PING (when configured) and the node's SIP listener answers an
/// OPTIONS sent to it; 200 when both hold, else 503 with the same body saying which failed.
/// </summary>
public static class ApiHealth
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    internal static async Task HandleAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<ServerOptions>();
        var redisTask = options.UsesRedis ? PingRedisAsync(services.GetRequiredService<IConnectionMultiplexer>()) : Task.FromResult<RedisHealth?>(null);
        var sipTask = ProbeSipAsync(options, http.RequestAborted);
        var redis = await redisTask.ConfigureAwait(false);
        var sip = await sipTask.ConfigureAwait(false);
        var healthy = sip.Listening && redis is not { Connected: false };
        var body = new HealthView(healthy ? "ok" : "degraded", options.NodeName, options.UsesRedis ? "redis" : "in-memory", redis?.Connected, redis, sip);
        await Results.Json(body, ApiJson.Context.HealthView, statusCode: healthy ? 200 : 503).ExecuteAsync(http).ConfigureAwait(false);
    }

    public static async Task<RedisHealth?> PingRedisAsync(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        if (!redis.IsConnected)
        {
            return new RedisHealth(false, null, "not connected");
        }

        try
        {
            var rtt = await redis.GetDatabase().PingAsync().WaitAsync(ProbeTimeout).ConfigureAwait(false);
            return new RedisHealth(true, Math.Round(rtt.TotalMilliseconds, 3), null);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new RedisHealth(false, null, e.GetType().Name);
        }
    }

    /// <summary>Sends an OPTIONS to the node's own SIP listener (UDP when it listens on UDP, else TCP) and waits for a response.</summary>
    public static async Task<SipHealth> ProbeSipAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.SipBind.Equals(IPAddress.Any) ? IPAddress.Loopback : options.SipBind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : options.SipBind;
        var target = new IPEndPoint(address, options.SipPort);
        var udp = options.SipTransports.Contains("udp");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var socket = new Socket(target.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
            await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var request = Options(target, local, udp ? "UDP" : "TCP");
            await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[2048];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var ok = n > 8 && Encoding.ASCII.GetString(buffer, 0, 8) == "SIP/2.0 ";
            return new SipHealth(ok, udp ? "udp" : "tcp", target.ToString(), ok ? null : "not a SIP response");
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new SipHealth(false, udp ? "udp" : "tcp", target.ToString(), e is SocketException s ? s.SocketErrorCode.ToString() : "no response");
        }
    }

    private static byte[] Options(IPEndPoint target, IPEndPoint local, string transport)
    {
        var id = Convert.ToHexStringLower(BitConverter.GetBytes(Stopwatch.GetTimestamp()));
        var host = target.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]:{target.Port}" : target.ToString();
        var via = local.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local.Address}]:{local.Port}" : local.ToString();
        return Encoding.ASCII.GetBytes(
            $"OPTIONS sip:{host} SIP/2.0\r\n"
            + $"Via: SIP/2.0/{transport} {via};branch=z9hG4bK-health-{id};rport\r\n"
            + "Max-Forwards: 70\r\n"
            + $"From: <sip:health@{via}>;tag=health{id}\r\n"
            + $"To: <sip:{host}>\r\n"
            + $"Call-ID: health-{id}@acd\r\n"
            + "CSeq: 1 OPTIONS\r\n"
            + "Accept: application/sdp\r\n"
            + "Content-Length: 0\r\n\r\n");
    }
}
