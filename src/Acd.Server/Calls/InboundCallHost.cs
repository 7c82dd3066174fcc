using System.Diagnostics.Metrics;
using Acd.Calls.Inbound;
using Acd.Calls.Media;
using Acd.Calls.Records;
using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media.Audio;
using Acd.Media.Players;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Server.Hosting;
using Acd.Sip.Ua;
using Acd.Transport.Clock;
using Acd.Transport.Rtp;

namespace Acd.Server.Calls;

/// <summary>
/// Wires the inbound call flow into the node: the number plan picks a script (or a queue) for each INVITE, the
/// call actors run in <see cref="InboundCallService"/>, and routing's events (offers, lost reservations, calls
/// taken out of a queue, agents leaving wrap-up) are handed to the calls they concern, including decisions other
/// nodes made about this node's calls.
/// </summary>
internal sealed partial class InboundCallHost : BackgroundService
{
    private readonly ServerOptions _options;
    private readonly ContactCenter _center;
    private readonly AcdRouter _router;
    private readonly IvrScriptCatalog _catalog;
    private readonly ILogger<InboundCallHost> _logger;
    private readonly Func<SipUserAgent, InboundCallService> _create;
    private HashSet<string> _queueNames;
    private InboundCallService? _calls;
    private readonly DirectCallHost _direct;
    private readonly FeatureCodeHost _features;
    private readonly DrainGate _drain;

    public InboundCallHost(
        ServerOptions options, ContactCenter center, AcdRouter router, IBindingStore bindings, IvrScriptCatalog catalog, IvrEngine engine,
        PromptCache prompts, MusicOnHold music, RtpSessionFactory rtp, PacingClock clock, ICallRecordSink records, TimeProvider time, ILoggerFactory loggers, IMeterFactory meters,
        DrainGate drain, IExternalDialer? externalDialer = null, ICallbackScheduler? callbacks = null)
    {
        _options = options;
        _center = center;
        var config = center.Current;
        _router = router;
        _catalog = catalog;
        _logger = loggers.CreateLogger<InboundCallHost>();
        _queueNames = config.Routing.Queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        RegisterMusic(music, config, catalog.Directory, _logger);
        var queues = new RoutingCallQueues(router, () => _center.Current.Routing);
        center.Changed += c => _queueNames = c.Routing.Queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        var host = options.SipContactAddress.Contains(':', StringComparison.Ordinal) && !options.SipContactAddress.StartsWith('[')
            ? options.SipContactAddress[..options.SipContactAddress.LastIndexOf(':')]
            : options.SipContactAddress;
        var callOptions = new InboundCallOptions
        {
            Node = options.NodeName,
            MediaAddress = host,
            Domain = host,
            PromptDirectory = Path.Combine(catalog.Directory, "prompts"),
            FallbackQueue = _queueNames.Contains("general") ? "general" : config.Routing.Queues.FirstOrDefault()?.Name,
        };
        var metrics = new CallMetrics(meters);
        var ivrMetrics = new IvrMediaMetrics(meters);
        var agents = new BindingAgentDirectory(bindings, center);
        var consults = new Acd.Calls.Direct.ConsultCallRegistry(); // direct calls' dialogs, for attended transfers of inbound calls
        _direct = new DirectCallHost(options, host, () => _center.Current, agents, router, rtp, records, time, loggers, consults);
        _features = new FeatureCodeHost(host, callOptions.PromptDirectory, center, router, prompts, rtp, () => _calls, time, loggers, meters);
        _drain = drain;
        _create = ua => new InboundCallService(callOptions, new InboundCallDependencies
        {
            UserAgent = ua,
            Media = new RtpMediaSessions(rtp),
            Prompts = prompts,
            MusicOnHold = music,
            Engine = engine,
            QueueInfo = queues,
            Queues = queues,
            Agents = agents,
            Records = records,
            Time = time,
            IvrMediaOptions = new IvrMediaOptions { RecordingDirectory = Path.Combine(options.RecordsPath, "voicemail") },
            IvrMediaMetrics = ivrMetrics,
            RecordQueue = queue => _center.Current.Recording.Records(queue),
            RecordingClock = clock,
            RecordingDirectory = Path.Combine(options.RecordsPath, "recordings"),
            Metrics = metrics,
            Loggers = loggers,
            Extensions = new DirectCallHost.ConfigAgentExtensions(() => _center.Current),
            AgentBusy = new RoutingAgentBusy(router),
            QueueOfNumber = number => _center.Current.Numbers.FirstOrDefault(n => n.Ivr is null && n.Queue is not null && n.Matches(number))?.Queue,
            ConsultCalls = consults,
            ExternalDialer = externalDialer,
            Callbacks = callbacks,
            TransferPolicy = () => _center.Current.Transfer,
        });
    }

    /// <summary>The node's call service, once <see cref="Attach"/> created it.</summary>
    public InboundCallService? Calls => _calls;

    /// <summary>Creates the call service on the node's user agent (called once by the SIP service).</summary>
    public void Attach(SipUserAgent ua)
    {
        _calls ??= _create(ua);
        _direct.Attach(ua);
        _drain.Attach(ua);
    }

    /// <summary>
    /// Routes an incoming INVITE: an agent's extension is a direct call between agents (<see cref="DirectCallHost"/>),
    /// anything else goes by the number plan: 404 for unknown numbers, else the script or queue.
    /// </summary>
    public void Route(SipCall call)
    {
        var calls = _calls ?? throw new InvalidOperationException("Attach the user agent first.");
        if (_drain.Refuse(call, calls.Draining))
        {
            calls.Metrics.Refused("draining"); // graceful shutdown: 503 with Retry-After for every new INVITE
            return;
        }

        if (_features.TryRoute(call) || _direct.TryRoute(call))
        {
            return;
        }

        var dialed = call.Invite is { } invite && invite.TryGetRequestUri(out var uri) ? uri.GetUserString() : string.Empty;
        var route = _center.Current.Numbers.FirstOrDefault(n => n.Matches(dialed));
        if (route is null)
        {
            LogUnknownNumber(_logger, dialed);
            call.Reject(404, "Not Found");
            calls.Metrics.Refused("unknown_number");
            return;
        }

        IvrScript? script = null;
        if (route.Ivr is { } name && !_catalog.Current.TryGetScript(name, out script))
        {
            // The script was valid at start; a broken edit keeps the last good version, so this is a removed file.
            LogNoScript(_logger, dialed, name);
            call.Reject(503, "Service Unavailable");
            calls.Metrics.Refused("no_script");
            return;
        }

        calls.Accept(call, script, route.Queue);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_calls is not null)
        {
            await _calls.DisposeAsync().ConfigureAwait(false);
        }

        await _direct.DisposeAsync().ConfigureAwait(false);
        await _features.DisposeAsync().ConfigureAwait(false);

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = _router.Subscribe();
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Dispatch(e);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Dispatch(RoutingEvent e)
    {
        if (_calls is not { } calls)
        {
            return;
        }

        switch (e.Kind)
        {
            case RoutingEventKind.Offered when e.CallId is not null && e.AgentId is not null:
                calls.Offer(e.CallId, e.AgentId, e.Queue ?? string.Empty);
                break;
            case RoutingEventKind.Requeued when e.CallId is not null && e.AgentId is not null:
                calls.ReservationLost(e.CallId, e.AgentId);
                break;
            case RoutingEventKind.Transferred when e.CallId is not null:
                if (e.Detail is { } target && _queueNames.Contains(target))
                {
                    calls.MovedQueue(e.CallId, target);
                }
                else
                {
                    calls.LeftQueue(e.CallId, e.Detail ?? "transferred");
                }

                break;
            case RoutingEventKind.Lost when e.CallId is not null:
                calls.LeftQueue(e.CallId, "lost");
                break;
            case RoutingEventKind.AgentStateChanged when e.AgentId is not null:
                calls.AgentStateChanged(e.AgentId, e.State == AgentState.WrapUp);
                break;
        }
    }

    private static void RegisterMusic(MusicOnHold music, ContactCenterConfig config, string scripts, ILogger logger)
    {
        foreach (var (name, relative) in config.MusicOnHold)
        {
            var path = Path.IsPathRooted(relative) ? relative : Path.Combine(scripts, relative);
            var files = Directory.Exists(path)
                ? Directory.GetFiles(path, "*.wav").Order(StringComparer.Ordinal).ToList()
                : File.Exists(path) ? [path] : [];
            var failed = files.Count == 0 ? ["no WAV files"] : music.Register(new MusicClass(name, files));
            foreach (var error in failed)
            {
                LogMusicFailed(logger, name, path, error);
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "INVITE for unknown number {Dialed}: 404")]
    private static partial void LogUnknownNumber(ILogger logger, string dialed);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "INVITE for {Dialed}: IVR script {Script} is not loaded; 503")]
    private static partial void LogNoScript(ILogger logger, string dialed, string script);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Music on hold class {Class} ({Path}): {Error}")]
    private static partial void LogMusicFailed(ILogger logger, string @class, string path, string error);
}
