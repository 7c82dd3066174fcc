using Acd.Routing;
using Acd.Routing.Redis;
using Acd.Testing.Redis;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xunit;

namespace Acd.Routing.Tests;

/// <summary>Redis restarted, Redis briefly unreachable, a node killed with reservations held. Each test owns its server.</summary>
public sealed class RedisFaultTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static RoutingConfig Config() => Cfg.Config([Cfg.Queue("q") with { RingTimeout = TimeSpan.FromSeconds(20) }],
        Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5)), Cfg.Agent("a3", ("sales", 5)));

    [Fact]
    public async Task Restart_MidRun_StateSurvivesAndRoutingContinues()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        var store = new RedisQueueStore(mux, RedisStoreFixture.UniqueOptions(), TimeProvider.System);
        Assert.Empty(await store.LoadAsync(Config()));
        for (var i = 0; i < 50; i++)
        {
            Assert.True((await store.EnqueueAsync(Cfg.Call($"c{i:D2}", "q"))).Succeeded);
        }

        await _server.RestartAsync();

        Assert.Equal(50, (await store.GetQueueSnapshotAsync("q"))!.Waiting);
        Assert.Equal("c00", (await store.SetAgentStateAsync("a1", AgentState.Available)).Offer().CallId);
        Assert.True((await store.EnqueueAsync(Cfg.Call("after", "q"))).Succeeded);
        Assert.Equal(50, (await store.GetQueueSnapshotAsync("q"))!.Waiting);
    }

    [Fact]
    public async Task Restart_UnderLoad_RetriedDecisionsApplyOnceNothingLost()
    {
        var options = RedisStoreFixture.UniqueOptions();
        await using var mux1 = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        await using var mux2 = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        var stores = new[] { new RedisQueueStore(mux1, options, TimeProvider.System), new RedisQueueStore(mux2, options, TimeProvider.System) };

        await ConcurrencyTests.Hammer(stores, calls: 1200, agents: 12, midRun: () => _server.RestartAsync());

        Assert.True(stores[1].RedisFailures > 0, "the restart should have interrupted the other worker's decisions");
    }

    [Fact]
    public async Task Unreachable_Briefly_DecisionsWaitRetryAndNothingIsLost()
    {
        using var meters = new TestMeterFactory();
        using var metrics = new RoutingMetrics(meters);
        using var errors = new MetricCollector<long>(meters, RoutingMetrics.MeterName, "acd_redis_errors_total");
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString.Replace("asyncTimeout=2000", "asyncTimeout=500", StringComparison.Ordinal));
        var store = new RedisQueueStore(mux, RedisStoreFixture.UniqueOptions() with { MaxBackoff = TimeSpan.FromMilliseconds(200) }, TimeProvider.System, metrics: metrics);
        Assert.Empty(await store.LoadAsync(Config()));

        await _server.PauseAsync();
        var decisions = Enumerable.Range(0, 20).Select(i => store.EnqueueAsync(Cfg.Call($"c{i:D2}", "q"))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(decisions, d => d.IsCompleted);
        await _server.ResumeAsync();
        var results = await Task.WhenAll(decisions);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Reason));
        Assert.Equal(20, (await store.GetQueueSnapshotAsync("q"))!.Offered);
        Assert.Equal(20, (await store.GetQueueSnapshotAsync("q"))!.Waiting);
        Assert.True(store.RedisFailures > 0);
        Assert.True(errors.GetMeasurementSnapshot().EvaluateAsCounter() > 0);
    }

    [Fact]
    public async Task NodeKilled_WithReservationsHeld_LeasesExpireAndAgentsComeBack()
    {
        var clock = Cfg.Clock();
        var options = RedisStoreFixture.UniqueOptions();
        await using var survivorMux = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        var survivor = new RedisQueueStore(survivorMux, options, clock);
        Assert.Empty(await survivor.LoadAsync(Config()));
        await survivor.HeartbeatAsync("survivor", TimeSpan.FromSeconds(15));

        var doomedMux = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        var doomed = new RedisQueueStore(doomedMux, options, clock);
        await doomed.HeartbeatAsync("doomed", TimeSpan.FromSeconds(15));
        foreach (var a in new[] { "a1", "a2", "a3" })
        {
            await doomed.SetAgentStateAsync(a, AgentState.Available);
        }

        for (var i = 0; i < 5; i++)
        {
            await doomed.EnqueueAsync(Cfg.Call($"d{i}", "q", node: "doomed"));
        }

        Assert.Equal(3, (await survivor.GetQueueSnapshotAsync("q"))!.AgentsByState[AgentState.Reserved]);
        await doomedMux.DisposeAsync();

        clock.Advance(TimeSpan.FromSeconds(10));
        await survivor.HeartbeatAsync("survivor", TimeSpan.FromSeconds(15));
        await survivor.EnqueueAsync(Cfg.Call("s1", "q", node: "survivor"));
        clock.Advance(TimeSpan.FromSeconds(6));
        await survivor.HeartbeatAsync("survivor", TimeSpan.FromSeconds(15));
        var reaped = await survivor.ProcessDueAsync();
        Assert.Equal(5, reaped.Events.Count(e => e.Kind == RoutingEventKind.Lost));
        Assert.Equal(0, (await survivor.GetQueueSnapshotAsync("q"))!.Waiting - 1);

        clock.Advance(TimeSpan.FromSeconds(5));
        var released = await survivor.ProcessDueAsync();

        Assert.Equal("s1", released.Offer().CallId);
        var s = (await survivor.GetQueueSnapshotAsync("q"))!;
        Assert.Equal((2, 1, 5L), (s.AgentsByState[AgentState.Available], s.AgentsByState[AgentState.Reserved], s.LostByFailure));
        Assert.Null(await survivor.GetNextDueAsync() is { } next && next <= clock.GetUtcNow() ? next : null);
    }
}

/// <summary>Decisions on one node about another node's calls reach the owning node.</summary>
public sealed class RemoteEventTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task AgentFreesOnOtherNode_OwnerNodeReceivesOffer()
    {
        var options = RedisStoreFixture.UniqueOptions();
        var clock = Cfg.Clock();
        await using var muxB = await ConnectionMultiplexer.ConnectAsync(fixture.Server.ConnectionString);
        var a = new RedisQueueStore(fixture.Redis, options, clock);
        var b = new RedisQueueStore(muxB, options, clock);
        var routerA = new AcdRouter(a, new RoutingOptions { NodeId = "A" }, clock);
        var routerB = new AcdRouter(b, new RoutingOptions { NodeId = "B" }, clock);
        Assert.Empty(await routerA.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)))));
        using var eventsA = routerA.Subscribe();
        using var eventsB = routerB.Subscribe();
        await routerA.StartRemoteEventsAsync();
        await routerB.StartRemoteEventsAsync();
        await routerA.EnqueueAsync("c1", "q");

        var local = await routerB.LoginAsync("a1");

        Assert.Equal("c1", local.Offer().CallId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        RoutingEvent received;
        do
        {
            received = await eventsA.Reader.ReadAsync(timeout.Token);
        }
        while (received.Kind != RoutingEventKind.Offered);

        Assert.Equal(("c1", "a1"), (received.CallId, received.AgentId));
        var atB = new List<RoutingEvent>();
        while (eventsB.Reader.TryRead(out var e))
        {
            atB.Add(e);
        }

        Assert.Single(atB, e => e.Kind == RoutingEventKind.Offered);
    }

    [Fact]
    public async Task WrapUpEndsOnOtherNode_NodeOfLastCallReceivesAvailable()
    {
        var options = RedisStoreFixture.UniqueOptions();
        var clock = Cfg.Clock();
        await using var muxB = await ConnectionMultiplexer.ConnectAsync(fixture.Server.ConnectionString);
        var routerA = new AcdRouter(new RedisQueueStore(fixture.Redis, options, clock), new RoutingOptions { NodeId = "A" }, clock);
        var routerB = new AcdRouter(new RedisQueueStore(muxB, options, clock), new RoutingOptions { NodeId = "B" }, clock);
        Assert.Empty(await routerA.LoadAsync(Cfg.Config([Cfg.Queue("q") with { WrapUp = TimeSpan.FromSeconds(2) }], Cfg.Agent("a1", ("sales", 5)))));
        using var eventsA = routerA.Subscribe();
        await routerA.StartRemoteEventsAsync();
        await routerB.StartRemoteEventsAsync();
        await routerA.EnqueueAsync("c1", "q");
        await routerA.LoginAsync("a1");
        await routerA.AcceptAsync("c1", "a1");
        await routerA.EndCallAsync("a1");
        while (eventsA.Reader.TryRead(out _))
        {
        }

        // The wrap-up timer fires on node B: the agent's state change carries no call id, yet node A (which owned the
        // call, and writes its record when the wrap-up ends) must hear of it.
        clock.Advance(TimeSpan.FromSeconds(3));
        var atB = await routerB.ProcessDueAsync();

        Assert.Contains(atB.Events, e => e is { Kind: RoutingEventKind.AgentStateChanged, AgentId: "a1", State: AgentState.Available });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await eventsA.Reader.ReadAsync(timeout.Token);
        Assert.Equal((RoutingEventKind.AgentStateChanged, "a1", AgentState.Available), (received.Kind, received.AgentId, received.State));
    }
}

/// <summary>The script's retry guard: the same operation id applies once and replays its result.</summary>
public sealed class RedisOperationIdTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task SameOperationId_SecondCallReplaysWithoutApplying()
    {
        var options = RedisStoreFixture.UniqueOptions();
        var store = new RedisQueueStore(fixture.Redis, options, Cfg.Clock());
        Assert.Empty(await store.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)))));
        using var stream = typeof(RedisQueueStore).Assembly.GetManifestResourceStream("Acd.Routing.Redis.routing.lua")!;
        var script = await new StreamReader(stream).ReadToEndAsync();
        var db = fixture.Redis.GetDatabase();
        RedisValue[] args = ["enqueue", Cfg.Start.ToUnixTimeMilliseconds(), "0.5", "n1", "op-1", "c1", "q", "", "", "n1"];

        var first = (RedisResult[])(await db.ScriptEvaluateAsync(script, [options.KeyPrefix], args))!;
        var second = (RedisResult[])(await db.ScriptEvaluateAsync(script, [options.KeyPrefix], args))!;

        Assert.Equal(first.Select(r => (string?)r), second.Select(r => (string?)r));
        Assert.Equal(3, first.Length);
        Assert.Equal(1, (await store.GetQueueSnapshotAsync("q"))!.Offered);
    }
}
