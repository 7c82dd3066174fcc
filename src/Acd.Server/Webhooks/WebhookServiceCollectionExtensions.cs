using Acd.Calls.Records;
using Acd.Routing;
using Acd.Server.Api;
using Acd.Server.Records;

namespace Acd.Server.Webhooks;

/// <summary>Call records to the webhooks: one more <see cref="ICallRecordSink"/> beside the file and Redis sinks.</summary>
public sealed class WebhookCallRecordSink(WebhookDispatcher dispatcher, TimeProvider time) : ICallRecordSink
{
    /// <summary>Queues the record (serialized later, on the sender); never blocks, never throws.</summary>
    public void Write(CallRecord record)
    {
        if (record is null)
        {
            return;
        }

        dispatcher.Post(new WebhookDelivery(WebhookEvents.CallRecord, record.CallId, time.GetUtcNow(), new Lazy<string>(() => CallRecordJson.Serialize(record))));
    }
}

/// <summary>Agent state changes (from the router's event stream) to the webhooks.</summary>
public sealed class WebhookAgentStatePump(AcdRouter router, WebhookDispatcher dispatcher) : BackgroundService
{
    private RoutingEventSubscription? _subscription;

    /// <summary>Subscribes to the router before returning, so no change after start is missed.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription ??= router.Subscribe();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = _subscription ?? router.Subscribe();
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (e.Kind == RoutingEventKind.AgentStateChanged && e.AgentId is not null)
                {
                    var data = ApiEventHub.AgentData(e);
                    dispatcher.Post(new WebhookDelivery(WebhookEvents.AgentState, Guid.NewGuid().ToString("N"), e.Time, new Lazy<string>(data)));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Registration of the webhooks.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// With webhooks configured: the dispatcher, the agent-state pump (when an endpoint wants agent-state), and the
    /// call-record sink added to the registered <see cref="ICallRecordSink"/> (call after <c>AddCallRecords</c>): the
    /// existing sink and the webhook sink behind one <see cref="CompositeCallRecordSink"/>.
    /// </summary>
    public static IServiceCollection AddAcdWebhooks(this IServiceCollection services, ApiConfig api)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(api);
        if (api.Webhooks.Count == 0)
        {
            return services;
        }

        services.AddSingleton(sp => new WebhookMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp => new WebhookDispatcher(api.Webhooks, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<WebhookMetrics>(),
            sp.GetService<ILogger<WebhookDispatcher>>()));
        var events = api.Webhooks.Aggregate(WebhookEvents.None, (all, w) => all | w.Events);
        if ((events & WebhookEvents.AgentState) != 0)
        {
            services.AddHostedService(sp => new WebhookAgentStatePump(sp.GetRequiredService<AcdRouter>(), sp.GetRequiredService<WebhookDispatcher>()));
        }

        if ((events & WebhookEvents.CallRecord) != 0 && services.LastOrDefault(d => d.ServiceType == typeof(ICallRecordSink)) is { } existing)
        {
            services.Remove(existing);
            services.AddSingleton<ICallRecordSink>(sp => new CompositeCallRecordSink(
                [Resolve(existing, sp), new WebhookCallRecordSink(sp.GetRequiredService<WebhookDispatcher>(), sp.GetRequiredService<TimeProvider>())],
                sp.GetService<ILogger<CompositeCallRecordSink>>()));
        }

        return services;
    }

    private static ICallRecordSink Resolve(ServiceDescriptor d, IServiceProvider sp) =>
        (ICallRecordSink)(d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
}
