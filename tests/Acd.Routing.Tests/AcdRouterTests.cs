using System.Diagnostics.Metrics;
using Acd.Routing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Routing.Tests;

public sealed class AcdRouterTests
{
    [Fact]
    public async Task Subscribe_Decisions_EventsArriveInOrder()
    {
        var clock = Cfg.Clock();
        var router = new AcdRouter(new InMemoryQueueStore(clock), new RoutingOptions { NodeId = "n1" }, clock);
        await router.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        using var sub = router.Subscribe();

        await router.LoginAsync("a1");
        var offer = (await router.EnqueueAsync("c1", "q")).Offer();
        await router.AcceptAsync(offer.CallId!, offer.AgentId!);
        await router.EndCallAsync("a1");

        var kinds = new List<RoutingEventKind>();
        while (sub.Reader.TryRead(out var e))
        {
            kinds.Add(e.Kind);
        }

        Assert.Equal(
            [RoutingEventKind.AgentStateChanged, RoutingEventKind.Enqueued, RoutingEventKind.AgentStateChanged, RoutingEventKind.Offered,
             RoutingEventKind.Answered, RoutingEventKind.AgentStateChanged, RoutingEventKind.Ended, RoutingEventKind.AgentStateChanged],
            kinds);
    }

    [Fact]
    public async Task Metrics_CountersAndGauges_PublishedOnAcdRoutingMeter()
    {
        var clock = Cfg.Clock();
        using var meters = new TestMeterFactory();
        using var metrics = new RoutingMetrics(meters);
        using var offered = new MetricCollector<long>(meters, RoutingMetrics.MeterName, "acd_queue_calls_offered_total");
        using var withinSl = new MetricCollector<long>(meters, RoutingMetrics.MeterName, "acd_queue_calls_answered_within_sl_total");
        using var waiting = new MetricCollector<double>(meters, RoutingMetrics.MeterName, "acd_queue_calls_waiting");
        using var agents = new MetricCollector<int>(meters, RoutingMetrics.MeterName, "acd_agents");
        var router = new AcdRouter(new InMemoryQueueStore(clock), new RoutingOptions { NodeId = "n1" }, clock, metrics: metrics);
        await router.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await router.LoginAsync("a1");
        await router.EnqueueAsync("c1", "q");
        await router.AcceptAsync("c1", "a1");
        await router.EnqueueAsync("c2", "q");
        await router.RefreshSnapshotsAsync();
        waiting.RecordObservableInstruments();
        agents.RecordObservableInstruments();

        Assert.Equal(2, offered.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("q", offered.LastMeasurement!.Tags["queue"]);
        Assert.Equal(1, withinSl.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, waiting.LastMeasurement!.Value);
        Assert.Contains(agents.GetMeasurementSnapshot(), m => (string?)m.Tags["state"] == "OnCall" && m.Value == 1);
    }

    [Fact]
    public async Task Refused_BadRequest_CountedNotThrown()
    {
        var clock = Cfg.Clock();
        using var meters = new TestMeterFactory();
        using var metrics = new RoutingMetrics(meters);
        using var rejected = new MetricCollector<long>(meters, RoutingMetrics.MeterName, "acd_routing_rejected_requests_total");
        var router = new AcdRouter(new InMemoryQueueStore(clock), new RoutingOptions { NodeId = "n1" }, clock, metrics: metrics);
        await router.LoadAsync(Cfg.Config([Cfg.Queue("q")]));

        var r = await router.EnqueueAsync("c1", "missing");

        Assert.Equal(RoutingError.UnknownQueue, r.Error);
        Assert.Equal(1, rejected.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task RunAsync_TimerTicks_HeartbeatsAndFiresDueItems()
    {
        var clock = Cfg.Clock();
        var store = new InMemoryQueueStore(clock);
        var router = new AcdRouter(store, new RoutingOptions { NodeId = "n1", TickInterval = TimeSpan.FromSeconds(1), HeartbeatTtl = TimeSpan.FromSeconds(5) }, clock);
        await router.LoadAsync(Cfg.Config([Cfg.Queue("q") with { MaxWait = TimeSpan.FromSeconds(3) }]));
        using var sub = router.Subscribe();
        await router.EnqueueAsync("c1", "q");
        using var cts = new CancellationTokenSource();
        var loop = router.RunAsync(cts.Token);

        for (var i = 0; i < 4; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var transferred = await ReadUntil(sub, RoutingEventKind.Transferred);
        await cts.CancelAsync();
        await loop;

        Assert.Equal(RoutingReasons.MaxWait, transferred.Detail);
        Assert.NotNull(await store.GetNextDueAsync());
    }

    private static async Task<RoutingEvent> ReadUntil(RoutingEventSubscription sub, RoutingEventKind kind)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await sub.Reader.ReadAsync(timeout.Token);
            if (e.Kind == kind)
            {
                return e;
            }
        }
    }

    [Fact]
    public void Options_Invalid_EveryErrorReported()
    {
        var errors = new RoutingOptions { NodeId = "bad node", TickInterval = TimeSpan.Zero, EventBufferCapacity = 0 }.Validate();
        Assert.Equal(3, errors.Count);
    }
}
