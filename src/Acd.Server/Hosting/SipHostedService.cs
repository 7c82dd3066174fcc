using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using Acd.Calls.Registrar;
using Acd.Routing;
using Acd.Server.Calls;
using Acd.Server.Configuration;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Transport.Sip;

namespace Acd.Server.Hosting;

/// <summary>
/// The node's SIP side: UDP/TCP listeners on <c>Sip:Bind</c>:<c>Sip:Port</c>, the user agent with its UAS checks,
/// digest authentication against the agents' HA1 credentials, and the registrar on the shared binding store.
/// Incoming INVITEs go to the inbound call flow (<see cref="InboundCallHost"/>).
/// </summary>
internal sealed partial class SipHostedService : BackgroundService
{
    private readonly ServerOptions _options;
    private readonly ILogger<SipHostedService> _logger;
    private readonly SipTransport _transport;
    private readonly SipUserAgent _ua;
    private readonly InboundCallHost _inbound;

    public SipHostedService(ServerOptions options, ContactCenter center, IBindingStore bindings, TimeProvider time,
        ILoggerFactory loggers, IMeterFactory meters, AgentPresenceService presence, InboundCallHost inbound)
    {
        var config = center.Current;
        _options = options;
        _logger = loggers.CreateLogger<SipHostedService>();
        var endpoint = new IPEndPoint(options.SipBind, options.SipPort).ToString();
        _transport = new SipTransport(
            new SipTransportOptions
            {
                Udp = options.SipTransports.Contains("udp") ? [endpoint] : [],
                Tcp = options.SipTransports.Contains("tcp") ? [endpoint] : [],
            },
            time, loggers.CreateLogger<SipTransport>(), meters);
        var metrics = new SipSignallingMetrics(meters);
        var credentials = new InMemoryDigestCredentialStore();
        SetCredentials(credentials, null, config);
        center.Changed += next =>
        {
            SetCredentials(credentials, config, next);
            config = next;
        };

        var authenticator = new SipDigestAuthenticator(
            new SipDigestOptions { Realm = config.Realm, Algorithms = options.SipDigestAlgorithms },
            new DigestNonceManager(options.SipNonceKey ?? RandomNumberGenerator.GetBytes(32), TimeSpan.FromMinutes(5), time),
            credentials,
            new SipAuthRateLimiter(new SipAuthRateLimitOptions(), time),
            metrics);
        var registrar = new SipRegistrar(new SipRegistrarOptions { Node = options.NodeName }, new RegistrationBindingAdapter(bindings, config.Realm), time, presence);
        _ua = new SipUserAgent(
            new SipUserAgentOptions { ContactAddress = options.SipContactAddress },
            _transport, time, loggers.CreateLogger<SipUserAgent>(), authenticator: authenticator, registrar: registrar, metrics: metrics);
        _inbound = inbound;
        _inbound.Attach(_ua);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _transport.Start(new SipUserAgentHandler(_ua));
        LogListening(_logger, string.Join(", ", _transport.UdpEndPoints.Select(e => "udp " + e).Concat(_transport.TcpEndPoints.Select(e => "tcp " + e))));
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        _ua.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var call in _ua.IncomingCalls.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                _inbound.Route(call);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Installs the agents' HA1 credentials of <paramref name="next"/>, removing those of agents no longer configured.</summary>
    private static void SetCredentials(InMemoryDigestCredentialStore store, ContactCenterConfig? previous, ContactCenterConfig next)
    {
        foreach (var agent in next.Agents)
        {
            store.Set(new DigestCredential(agent.Extension, next.Realm, agent.Ha1Md5, agent.Ha1Sha256 ?? string.Empty));
        }

        foreach (var gone in previous?.Agents.Where(a => !next.Agents.Any(n => n.Extension == a.Extension)) ?? [])
        {
            store.Remove(gone.Extension, previous!.Realm);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "SIP listening on {Endpoints}")]
    private static partial void LogListening(ILogger logger, string endpoints);
}
