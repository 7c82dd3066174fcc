using System.Globalization;
using Acd.Calls.Inbound;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Sip;
using Acd.Sip.Ua;

namespace Acd.Server.Hosting;

/// <summary>
/// Graceful shutdown and restart. On SIGTERM (the host stopping), before any service stops: new INVITEs are answered
/// 503 with Retry-After and OPTIONS 503 too (a proxy's probing takes the node out), then the live calls get up to
/// <c>Acd:DrainTimeout</c> to end by themselves before the rest are hung up and every record (pending wrap-ups
/// included) is written (<see cref="ICallControl.DrainAsync"/>). On start, before SIP listens: the calls a previous
/// run of this node left in the shared routing state (killed, or restarted within its heartbeat) are reaped as a lost
/// node's are, so no agent stays Reserved or OnCall for a call that died with it; agents' own states (Paused with its
/// reason, Available, LoggedOut) are left as the shared state holds them.
/// </summary>
internal sealed partial class GracefulShutdownService(
    GracefulShutdownOptions options, DrainGate gate, IServiceProvider services, AcdRouter router, ILogger<GracefulShutdownService> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // A shared store may hold calls of our previous run; an in-memory one starts empty and this finds nothing.
        try
        {
            // Declare our previous run dead (its heartbeat expired a moment ago) and let routing reap it now.
            await router.Store.HeartbeatAsync(router.NodeId, TimeSpan.FromMilliseconds(-1), cancellationToken).ConfigureAwait(false);
            var reaped = 0;
            RoutingResult result;
            do
            {
                result = await router.ProcessDueAsync(cancellationToken).ConfigureAwait(false);
                reaped += result.Events.Count(e => e.Detail == router.NodeId || e.Detail == "node-lost");
            }
            while (result.Events.Count > 0);

            LogRecovered(logger, router.NodeId, reaped);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogRecoveryFailed(logger, router.NodeId, e);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        gate.Begin();
        var calls = services.GetService<ICallControl>();
        LogDraining(logger, calls?.ActiveCalls().Count ?? 0, options.DrainTimeout);
        if (calls is null)
        {
            return;
        }

        try
        {
            await calls.DrainAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
            LogDrained(logger, calls.ActiveCalls().Count);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogDrainCut(logger);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Node {Node} starting: calls left by its previous run reaped ({Events} routing events)")]
    private static partial void LogRecovered(ILogger logger, string node, int events);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Node {Node} starting: reaping the calls of its previous run failed; other nodes reap them after the heartbeat")]
    private static partial void LogRecoveryFailed(ILogger logger, string node, Exception exception);

    [LoggerMessage(EventId = 52, Level = LogLevel.Information, Message = "Shutting down: new calls refused (503), {Calls} live calls get up to {Timeout} to end")]
    private static partial void LogDraining(ILogger logger, int calls, TimeSpan timeout);

    [LoggerMessage(EventId = 53, Level = LogLevel.Information, Message = "Drain done: {Calls} calls left, records written")]
    private static partial void LogDrained(ILogger logger, int calls);

    [LoggerMessage(EventId = 54, Level = LogLevel.Warning, Message = "Drain cut short by the host's shutdown timeout")]
    private static partial void LogDrainCut(ILogger logger);
}

/// <summary>
/// Whether the node refuses new calls: set when the drain begins. <see cref="Refuse"/> answers an INVITE 503 with
/// Retry-After; the node's user agent answers OPTIONS 503 from then on.
/// </summary>
internal sealed class DrainGate(GracefulShutdownOptions options)
{
    private volatile bool _draining;
    private SipUserAgent? _ua;

    public bool Draining => _draining;

    /// <summary>The user agent whose OPTIONS answers follow the gate.</summary>
    public void Attach(SipUserAgent ua)
    {
        Volatile.Write(ref _ua, ua);
        if (_draining)
        {
            ua.UnavailableRetryAfter = options.RetryAfter;
        }
    }

    public void Begin()
    {
        _draining = true;
        Volatile.Read(ref _ua)?.UnavailableRetryAfter = options.RetryAfter;
    }

    /// <summary>While draining (this gate's or the call service's own), rejects <paramref name="call"/> 503 with Retry-After and returns true.</summary>
    public bool Refuse(SipCall call, bool callsDraining)
    {
        if (!_draining && !callsDraining)
        {
            return false;
        }

        call.Reject(503, "Service Unavailable", [new SipHeader("Retry-After", ((long)options.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture))]);
        return true;
    }
}

/// <summary>Options of the graceful shutdown.</summary>
internal sealed record GracefulShutdownOptions
{
    /// <summary>The configuration key of <see cref="DrainTimeout"/>: seconds (e.g. <c>30</c>) or a time span (<c>00:00:30</c>).</summary>
    public const string DrainTimeoutKey = "Acd:DrainTimeout";

    /// <summary>How long live calls get to end by themselves on SIGTERM before they are hung up (default 30 s, 0-1 h).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Retry-After of the 503s while draining: the drain timeout, at least 1 s.</summary>
    public TimeSpan RetryAfter => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(DrainTimeout.TotalSeconds)));

    /// <summary>The host's shutdown timeout: the drain plus time for the services to stop and the records to be flushed.</summary>
    public TimeSpan ShutdownTimeout => DrainTimeout + TimeSpan.FromSeconds(15);

    /// <summary>Reads <c>Acd:DrainTimeout</c>; throws <see cref="ConfigurationErrorsException"/> when it is not a duration of 0 s to 1 h.</summary>
    public static GracefulShutdownOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[DrainTimeoutKey] is not { Length: > 0 } text)
        {
            return new GracefulShutdownOptions();
        }

        var parsed = text.Contains(':', StringComparison.Ordinal)
            ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : (TimeSpan?)null
            : double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds <= 3600
                ? TimeSpan.FromSeconds(seconds) : null;
        if (parsed is not { } drain || drain < TimeSpan.Zero || drain > TimeSpan.FromHours(1))
        {
            throw new ConfigurationErrorsException([new ConfigDiagnostic("configuration", 0, 0, DrainTimeoutKey,
                $"'{text}' is not a drain timeout: seconds (e.g. 30) or hh:mm:ss, from 0 to 1 hour")]);
        }

        return new GracefulShutdownOptions { DrainTimeout = drain };
    }
}

/// <summary>Registers the graceful shutdown.</summary>
internal static class GracefulShutdownServiceCollectionExtensions
{
    /// <summary>The drain on SIGTERM (<c>Acd:DrainTimeout</c>), the host's shutdown timeout above it, and the start-up reaping.</summary>
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        var options = GracefulShutdownOptions.Read(configuration);
        services.AddSingleton(options);
        services.AddSingleton<DrainGate>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout > o.ShutdownTimeout ? options.ShutdownTimeout : o.ShutdownTimeout);
        services.AddHostedService<GracefulShutdownService>();
        return services;
    }
}
