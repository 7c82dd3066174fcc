using Acd.Ivr;
using Acd.Ivr.Catalog;
using Acd.Routing;
using Acd.Routing.Redis;
using Acd.Server.Api;
using Acd.Server.Calls;
using Acd.Server.Configuration;
using Acd.Server.Dialer;
using Acd.Server.Records;
using Acd.Server.Webhooks;
using Acd.Transport.Rtp;
using Acd.Server.Hosting;
using Acd.Server.Metrics;
using Prometheus;
using StackExchange.Redis;

namespace Acd.Server;

/// <summary>
/// The Acd process: Generic Host plus ASP.NET Core minimal API. Holds wiring only, no protocol logic.
/// </summary>
public static class AcdHost
{
    /// <summary>Exit code for invalid configuration (every error is printed to standard error).</summary>
    public const int ConfigurationErrorExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8080");
        }

        ServerOptions options;
        ContactCenterConfig contactCenter;
        ApiConfig api;
        try
        {
            var home = ServerOptions.FindHome(builder.Environment.ContentRootPath);
            options = ServerOptions.Read(builder.Configuration, home);
            contactCenter = ContactCenterConfigLoader.Load(options.ContactCenterFile);
            builder.Services.AddAcdDialer(builder.Configuration, home, options.IvrScripts); // Dialer:File: trunks, campaigns
            builder.Services.AddGracefulShutdown(builder.Configuration); // Acd:DrainTimeout, checked with the rest
            api = ApiServiceCollectionExtensions.LoadApiConfig(builder.Configuration, home);
            var unsafeSamples = options.CheckSamplePasswords(contactCenter);
            if (unsafeSamples.Count > 0)
            {
                throw new ConfigurationErrorsException(unsafeSamples);
            }
        }
        catch (ConfigurationErrorsException e)
        {
            await Console.Error.WriteLineAsync("acd: refusing to start. " + e.Message).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(contactCenter);
        builder.Services.AddSingleton(new ContactCenter(contactCenter));
        AddRouting(builder.Services, options);
        builder.Services.AddAcdIvr(new IvrCatalogOptions { Directory = options.IvrScripts });
        builder.Services.AddHostedService<RoutingHostedService>();
        builder.Services.AddSingleton<ContactCenterReloadService>().AddHostedService(sp => sp.GetRequiredService<ContactCenterReloadService>());
        builder.Services.AddSingleton<AgentPresenceService>().AddHostedService(sp => sp.GetRequiredService<AgentPresenceService>());
        AddMedia(builder.Services, options);
        builder.Services.AddCallRecords(options);
        builder.Services.AddAcdApi(api).AddAcdWebhooks(api);
        builder.Services.AddSingleton<InboundCallHost>().AddHostedService(sp => sp.GetRequiredService<InboundCallHost>());
        builder.Services.AddCallControl();
        builder.Services.AddHostedService<SipHostedService>();

        // Acd's instruments are exported under their own names by the bridge, not by prometheus-net's adapter.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressMeters = true,
            SuppressEventCounters = true,
            SuppressDebugMetrics = true,
            SuppressProcessMetrics = false,
        });
        builder.Services.AddSingleton(_ => new PrometheusMeterBridge(Prometheus.Metrics.DefaultRegistry));

        var app = builder.Build();
        _ = app.Services.GetRequiredService<PrometheusMeterBridge>();
        var catalog = app.Services.GetRequiredService<IvrScriptCatalog>();
        var planErrors = NumberPlanCheck.Check(contactCenter, catalog);
        if (planErrors.Count > 0)
        {
            await Console.Error.WriteLineAsync("acd: refusing to start. " + new ConfigurationErrorsException(planErrors).Message).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        catalog.StartWatching();
        app.MapAcdApi();
        app.MapMetrics("/metrics");

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Acd.Server");
        Log.Starting(log, options.NodeName, string.Join(",", options.SipTransports), options.SipBind.ToString(), options.SipPort,
            options.UsesRedis ? "redis" : "in-memory", contactCenter.Source, contactCenter.Routing.Queues.Count, contactCenter.Agents.Count);
        try
        {
            await app.RunAsync().ConfigureAwait(false);
        }
        catch (ConfigurationErrorsException e)
        {
            await Console.Error.WriteLineAsync("acd: refusing to start. " + e.Message).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        return 0;
    }

    private static void AddMedia(IServiceCollection services, ServerOptions options)
    {
        // RTP on the SIP address, in the configured range; the ports are bound when calls need them.
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new RtpPortPoolOptions
        {
            BindAddress = options.SipBind.ToString(),
            MinPort = options.RtpPorts.First,
            MaxPort = options.RtpPorts.Last,
        }));
        services.AddAcdMedia();
    }

    private static void AddRouting(IServiceCollection services, ServerOptions options)
    {
        if (options.UsesRedis)
        {
            // One shared multiplexer for the node; abortConnect=false lets the node start and retry while Redis is down.
            var redis = ConfigurationOptions.Parse(options.RedisConfiguration);
            redis.AbortOnConnectFail = false;
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddAcdRoutingRedis(new RedisRoutingOptions());
        }

        services.AddAcdRouting(new RoutingOptions { NodeId = options.NodeName, HeartbeatTtl = options.HeartbeatTtl });
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Acd node {Node} starting: SIP {Transports} on {Bind}:{Port}, {Store} store, {Config} ({Queues} queues, {Agents} agents)")]
    public static partial void Starting(ILogger logger, string node, string transports, string bind, int port, string store, string config, int queues, int agents);
}
