using Acd.Server.Metrics;
using Prometheus;

namespace Acd.Server;

/// <summary>
/// The Acd process: Generic Host plus ASP.NET Core minimal API. Holds wiring only, no protocol logic.
/// </summary>
public static class AcdHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8080");
        }

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
        Log.Starting(log, string.Join(", ", app.Urls.DefaultIfEmpty(builder.Configuration["urls"] ?? "http://127.0.0.1:8080")));
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Acd starting; HTTP on {Urls}")]
    public static partial void Starting(ILogger logger, string urls);
}
