using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Hosting;

/// <summary>
/// Loads the contact center's queues and agents into the routing engine at start (refusing to start on any
/// routing error) and runs the router's heartbeat / due-work loop until shutdown.
/// </summary>
internal sealed partial class RoutingHostedService(AcdRouter router, ContactCenterConfig config, ILogger<RoutingHostedService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = await router.LoadAsync(config.Routing, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            throw new ConfigurationErrorsException(errors.Select(e => new ConfigDiagnostic(config.Source, 0, 0, e.Location, $"{e.Item}: {e.Message}")).ToList());
        }

        LogLoaded(logger, config.Routing.Queues.Count, config.Routing.Agents.Count);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => router.RunAsync(stoppingToken);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Routing loaded {Queues} queues and {Agents} agents")]
    private static partial void LogLoaded(ILogger logger, int queues, int agents);
}
