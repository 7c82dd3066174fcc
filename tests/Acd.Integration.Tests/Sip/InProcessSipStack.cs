using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Acd.Calls.Registrar;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Transport.Sip;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Integration.Tests.Sip;

/// <summary>The SIP stack (transport, UA core, registrar, digest auth) on real loopback sockets inside the test process.</summary>
internal sealed class InProcessSipStack : IAsyncDisposable
{
    private InProcessSipStack(SipTransport transport, SipUserAgent ua, SipSignallingMetrics metrics, SipRegistrar registrar)
    {
        Transport = transport;
        UserAgent = ua;
        Metrics = metrics;
        Registrar = registrar;
    }

    public SipRegistrar Registrar { get; }

    public SipTransport Transport { get; }

    public SipUserAgent UserAgent { get; }

    public SipSignallingMetrics Metrics { get; }

    public IPEndPoint UdpEndPoint => Transport.UdpEndPoints[0];

    public IPEndPoint TcpEndPoint => Transport.TcpEndPoints[0];

    public static InProcessSipStack Start(
        bool authenticate, bool autoAnswer = true, IReadOnlyList<string>? domains = null,
        IReadOnlyList<DigestAlgorithm>? algorithms = null, uint minExpires = 60, int udpPort = 0)
    {
        var time = TimeProvider.System;
        var metrics = new SipSignallingMetrics();
        var transport = new SipTransport(
            new SipTransportOptions { Udp = ["127.0.0.1:" + udpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], Tcp = ["127.0.0.1:0"], PartialMessageTimeout = TimeSpan.FromSeconds(1) },
            time, NullLogger<SipTransport>.Instance);
        var credentials = new InMemoryDigestCredentialStore();
        credentials.Set(DigestCredential.FromPassword("1001", "acd", "s3cret"));
        var authenticator = new SipDigestAuthenticator(
            new SipDigestOptions { Algorithms = algorithms ?? [DigestAlgorithm.Sha256, DigestAlgorithm.Md5] }, new DigestNonceManager(RandomNumberGenerator.GetBytes(32), TimeSpan.FromMinutes(5), time),
            credentials, new SipAuthRateLimiter(new SipAuthRateLimitOptions(), time), metrics);
        var registrar = new SipRegistrar(new SipRegistrarOptions { Node = "test", MinExpires = minExpires }, new InMemoryRegistrarBindingStore(time), time);
        var ua = new SipUserAgent(
            new SipUserAgentOptions { AutoAnswer = autoAnswer, AuthenticateRegister = authenticate, LocalDomains = domains ?? [] },
            transport, time, NullLogger<SipUserAgent>.Instance, authenticator: authenticator, registrar: registrar, metrics: metrics);
        transport.Start(new SipUserAgentHandler(ua));
        return new InProcessSipStack(transport, ua, metrics, registrar);
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        UserAgent.Dispose();
        Metrics.Dispose();
    }
}

/// <summary>A UDP client on loopback that sends raw bytes and reads responses.</summary>
internal sealed class UdpSipClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;

    public UdpSipClient(IPEndPoint server)
    {
        _server = server;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _socket.SendToAsync(bytes, _server);

    /// <summary>The next datagram as text, or null after <paramref name="wait"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan wait)
    {
        var buffer = new byte[65_536];
        using var cts = new CancellationTokenSource(wait);
        try
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The first response whose status is final (>= 200), skipping provisionals; null on timeout.</summary>
    public async Task<string?> ReceiveFinalAsync(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            var text = await ReceiveAsync(deadline - DateTime.UtcNow);
            if (text is null)
            {
                return null;
            }

            if (StatusOf(text) >= 200)
            {
                return text;
            }
        }

        return null;
    }

    public static int StatusOf(string response)
        => response.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(response.AsSpan(8, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;

    public void Dispose() => _socket.Dispose();
}
