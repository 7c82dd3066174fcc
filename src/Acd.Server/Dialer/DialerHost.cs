using System.Diagnostics.Metrics;
using System.Net;
using Acd.Calls.Inbound;
using Acd.Calls.Media;
using Acd.Calls.Outbound;
using Acd.Dialer;
using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Dialer.Trunks;
using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Acd.Media.Audio;
using Acd.Routing;
using Acd.Server.Calls;
using Acd.Server.Configuration;
using Acd.Sip;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Acd.Transport.Rtp;
using Acd.Transport.Sip;
using StackExchange.Redis;

namespace Acd.Server.Dialer;

/// <summary>
/// The outbound dialer on the node: a trunk-side SIP user agent (its own UDP port: trunks never reach the agents'
/// listener, and it refuses every incoming INVITE), the trunks with their limits, the campaigns of the dialer file
/// (leads imported from CSV, do-not-call lists, state restored from Redis when configured), one pacing loop that ticks
/// every running campaign, and the <see cref="IExternalDialer"/> of the call flow.
/// </summary>
internal sealed partial class DialerHost : BackgroundService, IExternalDialer
{
    private readonly DialerConfig _config;
    private readonly ServerOptions _options;
    private readonly ContactCenter _center;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly DialerMetrics _metrics;
    private readonly IvrMediaMetrics _ivrMetrics;
    private readonly IDialerStore _store;
    private readonly PersistentDoNotCallRegistry _dnc;
    private readonly PersistentComplianceJournal _journal;
    private readonly DialAttemptFile _attempts;
    private readonly RoutingAgentAvailability _agents;
    private readonly Dictionary<string, Running> _campaigns = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly SipTransport _transport;
    private readonly DeferredHandler _handler = new();
    private readonly PromptCache _prompts;
    private readonly RtpSessionFactory _rtp;
    private readonly IvrEngine _ivr;
    private readonly IvrScriptCatalog _catalog;
    private readonly AcdRouter _router;
    private SipUserAgent? _ua;
    private SipOutboundCallLayer? _layer;

    public DialerHost(
        DialerConfig config, ServerOptions options, ContactCenter center, AcdRouter router, IQueueStore store, IvrScriptCatalog catalog, IvrEngine engine,
        PromptCache prompts, RtpSessionFactory rtp, IServiceProvider services, TimeProvider time, ILoggerFactory loggers, IMeterFactory meters)
    {
        _config = config;
        _options = options;
        _center = center;
        _router = router;
        _services = services;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DialerHost>();
        _metrics = new DialerMetrics(meters);
        _ivrMetrics = new IvrMediaMetrics(meters);
        _prompts = prompts;
        _rtp = rtp;
        _ivr = engine;
        _catalog = catalog;
        _store = options.UsesRedis && services.GetService<IConnectionMultiplexer>() is { } redis ? new RedisDialerStore(redis) : new InMemoryDialerStore();
        _dnc = new PersistentDoNotCallRegistry(new InMemoryDoNotCallRegistry(time), _store);
        _journal = new PersistentComplianceJournal(new InMemoryComplianceJournal(), _store);
        _attempts = new DialAttemptFile(Path.Combine(options.RecordsPath, "dialer"));
        _agents = new RoutingAgentAvailability(store);
        Trunks = new TrunkSelector(config.Trunks, time);
        Guard = new ComplianceGuard(_dnc, new CallingWindowPolicy(), _journal);
        Authorizer = new DialAuthorizer(time);
        _transport = new SipTransport(
            new SipTransportOptions { Udp = [new IPEndPoint(options.SipBind, config.SipPort).ToString()], Tcp = [] },
            time, loggers.CreateLogger<SipTransport>(), meters);
    }

    public TrunkSelector Trunks { get; }

    public ComplianceGuard Guard { get; }

    public DialAuthorizer Authorizer { get; }

    public IDoNotCallRegistry DoNotCall => _dnc;

    public InMemoryComplianceJournal Journal => _journal.Inner;

    public DialerMetrics Metrics => _metrics;

    /// <summary>The trunk-side SIP address (host:port), once started.</summary>
    public IPEndPoint? SipEndPoint { get; private set; }

    /// <summary>The campaigns by id.</summary>
    public IReadOnlyList<CampaignDialer> Campaigns
    {
        get
        {
            lock (_gate)
            {
                return _campaigns.Values.Select(r => r.Dialer).ToList();
            }
        }
    }

    public CampaignDialer? Find(string id)
    {
        lock (_gate)
        {
            return _campaigns.GetValueOrDefault(id)?.Dialer;
        }
    }

    /// <summary>Starts (or resumes) a campaign now: every reason it cannot is returned.</summary>
    public async Task<IReadOnlyList<ConfigError>> StartCampaignAsync(string id, CancellationToken cancellationToken)
    {
        var dialer = Find(id);
        if (dialer is null)
        {
            return [new ConfigError("campaign.id", id, "no such campaign")];
        }

        var config = dialer.Campaign.Config;
        var staffed = config.Queue is null ? 0 : (await _agents.GetAsync(config.Queue, cancellationToken).ConfigureAwait(false)).Staffed;
        lock (_gate)
        {
            return dialer.Campaign.Start(new CampaignStartContext(staffed, Trunks.All.Select(t => t.Config.Name).ToHashSet(StringComparer.Ordinal)));
        }
    }

    public bool PauseCampaign(string id)
    {
        lock (_gate)
        {
            return Find(id)?.Campaign.Pause() ?? false;
        }
    }

    public bool FinishCampaign(string id)
    {
        lock (_gate)
        {
            return Find(id)?.Campaign.Finish() ?? false;
        }
    }

    public ValueTask<ExternalDialResult> DialAsync(ExternalDialRequest request, CancellationToken cancellationToken) =>
        _layer?.DialAsync(request, cancellationToken) ?? new(ExternalDialResult.Refused("the dialer has not started"));

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _transport.Start(_handler);
        SipEndPoint = _transport.UdpEndPoints[0];
        var host = _options.SipContactAddress.Contains(':', StringComparison.Ordinal) && !_options.SipContactAddress.StartsWith('[')
            ? _options.SipContactAddress[.._options.SipContactAddress.LastIndexOf(':')]
            : _options.SipContactAddress;
        _ua = new SipUserAgent(
            new SipUserAgentOptions { ContactAddress = host + ":" + SipEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), IncomingCallQueue = 16 },
            _transport, _time, _loggers.CreateLogger<SipUserAgent>());
        _handler.Target = _ua;
        StartRegistrations(host + ":" + SipEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var legs = new OutboundLegServices
        {
            UserAgent = _ua,
            Media = new RtpMediaSessions(_rtp),
            MediaAddress = host,
            Prompts = _prompts,
            IvrMediaOptions = new IvrMediaOptions { RecordingDirectory = Path.Combine(_options.RecordsPath, "voicemail") },
            IvrMediaMetrics = _ivrMetrics,
            Time = _time,
            Loggers = _loggers,
        };
        _layer = new SipOutboundCallLayer(
            legs, Trunks, Authorizer, _config.External,
            () => _center.Current.Agents.Select(a => a.Extension).Concat(_center.Current.Agents.Select(a => a.Id)).ToHashSet(StringComparer.Ordinal),
            () => _services.GetService<IConnectedCalls>(),
            _ivr, _catalog, new QueueInfo(_router), _metrics, _loggers.CreateLogger<SipOutboundCallLayer>());
        StartCallbacks();
        await RestoreCallbacksAsync().ConfigureAwait(false);
        Listening(_logger, SipEndPoint.ToString(), _config.Trunks.Count, _config.Campaigns.Count, _config.Source);

        foreach (var entry in await _store.LoadDoNotCallAsync().ConfigureAwait(false))
        {
            _dnc.Inner.Add(entry);
        }

        foreach (var file in _config.DoNotCallFiles)
        {
            ImportDoNotCall(file, DncSource.Imported, null, "US");
        }

        foreach (var definition in _config.Campaigns)
        {
            await AddCampaignAsync(definition).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task AddCampaignAsync(CampaignDefinition definition)
    {
        var config = definition.Config;
        var campaign = new Campaign(config, _loggers.CreateLogger<Campaign>());
        foreach (var file in definition.DoNotCallFiles)
        {
            ImportDoNotCall(file, DncSource.Campaign, config.Id, config.DefaultRegion);
        }

        if (definition.LeadsFile is { } path)
        {
            using var reader = File.OpenText(path);
            var import = await LeadCsvImporter.ImportAsync(reader, new LeadImportOptions { DefaultRegion = config.DefaultRegion, PhoneColumn = definition.PhoneColumn }).ConfigureAwait(false);
            foreach (var error in import.Errors)
            {
                LeadRejected(_logger, config.Id, path, error.Line, error.Message);
            }

            if (campaign.AddLeads(import, _metrics) is { } fatal)
            {
                ImportFailed(_logger, config.Id, path, fatal);
            }
            else
            {
                LeadsImported(_logger, config.Id, import.Leads.Count, import.RejectedRows, path);
            }
        }

        var restored = await _store.LoadAttemptsAsync(config.Id).ConfigureAwait(false);
        if (restored.Count > 0)
        {
            var leads = campaign.Leads.ToDictionary(l => l.Id, StringComparer.Ordinal);
            foreach (var group in restored.GroupBy(r => r.Lead))
            {
                if (leads.TryGetValue(group.Key, out var lead))
                {
                    campaign.Restore(lead, group.Select(r => r.ToAttempt()));
                }
            }

            Restored(_logger, config.Id, restored.Count);
        }

        var dialer = new CampaignDialer(campaign, Pacing(config.Mode), Guard, Authorizer, Trunks, _layer!, _agents, _dnc, _metrics, _time, definition.Amd, logger: _loggers.CreateLogger<CampaignDialer>())
        {
            AttemptRecorded = (lead, attempt, callId) => Record(config.Id, lead, attempt, callId),
        };
        lock (_gate)
        {
            _campaigns[config.Id] = new Running(dialer, definition.StartWithNode);
        }
    }

    private void Record(string campaign, Lead lead, LeadAttempt attempt, string callId) =>
        Record(new DialAttemptRecord(campaign, lead.Id, lead.E164, callId, _options.NodeName, attempt.StartedAt, attempt.EndedAt, attempt.Outcome.ToString(), attempt.Trunk));

    private void Record(DialAttemptRecord record)
    {
        _store.SaveAttempt(record);
        try
        {
            _attempts.Write(record);
        }
        catch (IOException e)
        {
            RecordFailed(_logger, e, record.Campaign);
        }
    }

    private void ImportDoNotCall(string file, DncSource source, string? campaign, string region)
    {
        using var reader = File.OpenText(file);
        var errors = _dnc.Inner.Import(reader, source, campaign, region, Path.GetFileName(file));
        foreach (var error in errors)
        {
            LeadRejected(_logger, campaign ?? "(internal)", file, error.Line, error.Message);
        }
    }

    private static IPacingPolicy Pacing(DialMode mode) => mode switch
    {
        DialMode.Preview => new PreviewPacing(),
        DialMode.Power => new PowerPacing(),
        DialMode.Predictive => new PredictivePacing(),
        DialMode.Agentless => new AgentlessPacing(),
        _ => new ProgressivePacing(),
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var refuseIncoming = RefuseIncomingAsync(stoppingToken);
        using var timer = new PeriodicTimer(_config.Tick, _time);
        try
        {
            do
            {
                foreach (var running in Snapshot())
                {
                    await TickAsync(running, stoppingToken).ConfigureAwait(false);
                }

                await TickCallbacksAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await refuseIncoming.ConfigureAwait(false);
    }

    private List<Running> Snapshot()
    {
        lock (_gate)
        {
            return [.. _campaigns.Values];
        }
    }

    private async Task TickAsync(Running running, CancellationToken cancellationToken)
    {
        var campaign = running.Dialer.Campaign;
        try
        {
            if (running.AutoStart && campaign.State == CampaignState.Draft)
            {
                var errors = await StartCampaignAsync(campaign.Id, cancellationToken).ConfigureAwait(false);
                var text = string.Join("; ", errors.Select(e => e.Message));
                if (errors.Count > 0 && text != running.LastRefusal)
                {
                    StartRefused(_logger, campaign.Id, text);
                }

                running.LastRefusal = errors.Count > 0 ? text : null;
            }

            if (campaign.State != CampaignState.Running)
            {
                return;
            }

            var result = await running.Dialer.TickAsync(cancellationToken).ConfigureAwait(false);
            if (result.Stopped is { } stopped && stopped != running.LastStop)
            {
                TickStopped(_logger, campaign.Id, stopped);
            }

            running.LastStop = result.Stopped;
            if (campaign.PendingLeads == 0 && running.Dialer.LinesInProgress == 0 && campaign.Leads.All(l => l.State == LeadState.Done))
            {
                lock (_gate)
                {
                    campaign.Finish();
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            TickFailed(_logger, e, campaign.Id);
        }
    }

    private async Task RefuseIncomingAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var call in _ua!.IncomingCalls.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                // The trunk side dials out only: nothing comes in through it (no toll fraud, no back door to the agents).
                call.Reject(403, "Forbidden");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var running in Snapshot())
        {
            lock (_gate)
            {
                running.Dialer.Campaign.Pause();
            }
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var drain in Snapshot().Select(r => r.Dialer.DrainAsync()).Append(DrainCallbacksAsync()))
        {
            await drain.WaitAsync(TimeSpan.FromSeconds(5), _time, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        await StopRegistrationsAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        _ua?.Dispose();
        _attempts.Dispose();
    }

    public override void Dispose()
    {
        _metrics.Dispose();
        _ivrMetrics.Dispose();
        base.Dispose();
    }

    private sealed class Running(CampaignDialer dialer, bool autoStart)
    {
        public CampaignDialer Dialer { get; } = dialer;

        public bool AutoStart { get; } = autoStart;

        public string? LastRefusal { get; set; }

        public string? LastStop { get; set; }
    }

    /// <summary>The transport starts (and binds its port) before the user agent that needs the port in its Contact exists.</summary>
    private sealed class DeferredHandler : ISipMessageHandler
    {
        public SipUserAgent? Target { get; set; }

        public bool OnMessage(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing) => Target?.Receive(message, source, framing) ?? false;
    }

    private sealed class QueueInfo(AcdRouter router) : IIvrQueueInfo
    {
        public async ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken)
        {
            var snapshot = await router.GetQueueSnapshotAsync(queue, cancellationToken).ConfigureAwait(false);
            return snapshot is null ? default : new IvrQueueStatus(TimeSpan.FromMilliseconds(snapshot.AverageHandleMs), snapshot.AvailableAgents, snapshot.Waiting);
        }
    }

    [LoggerMessage(EventId = 6210, Level = LogLevel.Information, Message = "Dialer: trunk side SIP on udp {EndPoint}, {Trunks} trunks, {Campaigns} campaigns from {Source}")]
    private static partial void Listening(ILogger logger, string endPoint, int trunks, int campaigns, string source);

    [LoggerMessage(EventId = 6211, Level = LogLevel.Warning, Message = "Campaign {Campaign}: {File} line {Line} not imported: {Reason}")]
    private static partial void LeadRejected(ILogger logger, string campaign, string file, int line, string reason);

    [LoggerMessage(EventId = 6212, Level = LogLevel.Error, Message = "Campaign {Campaign}: lead file {File} refused, nothing imported: {Reason}")]
    private static partial void ImportFailed(ILogger logger, string campaign, string file, string reason);

    [LoggerMessage(EventId = 6213, Level = LogLevel.Information, Message = "Campaign {Campaign}: {Leads} leads imported, {Rejected} rows rejected, from {File}")]
    private static partial void LeadsImported(ILogger logger, string campaign, int leads, int rejected, string file);

    [LoggerMessage(EventId = 6214, Level = LogLevel.Warning, Message = "Campaign {Campaign} not started: {Reason}")]
    private static partial void StartRefused(ILogger logger, string campaign, string reason);

    [LoggerMessage(EventId = 6215, Level = LogLevel.Information, Message = "Campaign {Campaign} dialing paused: {Reason}")]
    private static partial void TickStopped(ILogger logger, string campaign, string reason);

    [LoggerMessage(EventId = 6216, Level = LogLevel.Error, Message = "Campaign {Campaign}: pacing tick failed")]
    private static partial void TickFailed(ILogger logger, Exception exception, string campaign);

    [LoggerMessage(EventId = 6217, Level = LogLevel.Information, Message = "Campaign {Campaign}: {Attempts} attempts restored from the store")]
    private static partial void Restored(ILogger logger, string campaign, int attempts);

    [LoggerMessage(EventId = 6218, Level = LogLevel.Error, Message = "Campaign {Campaign}: attempt record not written")]
    private static partial void RecordFailed(ILogger logger, Exception exception, string campaign);
}

/// <summary>Registration of the dialer: reads <c>Dialer:File</c> (nothing when unset).</summary>
internal static class DialerServiceCollectionExtensions
{
    /// <summary>Adds the dialer when <c>Dialer:File</c> is set; throws <see cref="ConfigurationErrorsException"/> listing every error of the file.</summary>
    public static IServiceCollection AddAcdDialer(this IServiceCollection services, IConfiguration configuration, string home, string ivrScripts)
    {
        if (configuration["Dialer:File"] is not { Length: > 0 } file)
        {
            return services;
        }

        var config = DialerConfigLoader.Load(Path.GetFullPath(file, home), Path.Combine(Path.GetFullPath(ivrScripts, home), "prompts"));
        services.AddSingleton(config);
        services.AddSingleton<DialerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<DialerHost>());
        services.AddSingleton<IExternalDialer>(sp => sp.GetRequiredService<DialerHost>());
        services.AddSingleton<ICallbackScheduler>(sp => new DialerCallbackScheduler(sp.GetRequiredService<DialerHost>()));
        return services;
    }
}
