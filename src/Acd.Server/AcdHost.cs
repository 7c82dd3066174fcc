using Acd.Server.Configuration;
using Acd.Server.Metrics;
using Prometheus;

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
        try
        {
            var home = ServerOptions.FindHome(builder.Environment.ContentRootPath);
            options = ServerOptions.Read(builder.Configuration, home);
            contactCenter = ContactCenterConfigLoader.Load(options.ContactCenterFile);
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
        app.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        app.MapMetrics("/metrics");

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Acd.Server");
        Log.Starting(log, options.NodeName, string.Join(",", options.SipTransports), options.SipBind.ToString(), options.SipPort,
            options.UsesRedis ? "redis" : "in-memory", contactCenter.Source, contactCenter.Routing.Queues.Count, contactCenter.Agents.Count);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Acd node {Node} starting: SIP {Transports} on {Bind}:{Port}, {Store} store, {Config} ({Queues} queues, {Agents} agents)")]
    public static partial void Starting(ILogger logger, string node, string transports, string bind, int port, string store, string config, int queues, int agents);
}
