using System.Text.Json;
using Acd.Routing;
using Acd.Server.Api;
using Acd.Server.Configuration;
using Acd.Testing.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Server.Tests.Api;

/// <summary>The event hub: filtering per client, bounded buffers, routing events and queue statistics.</summary>
public sealed class ApiEventHubTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly ContactCenter _center = new(ContactCenterConfigLoader.Load(Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml")));
    private readonly AcdRouter _router;
    private readonly ApiMetrics _metrics = new();
    private readonly ApiEventHub _hub;

    public ApiEventHubTests()
    {
        _router = new AcdRouter(new InMemoryQueueStore(_time), new RoutingOptions { NodeId = "n1" }, _time);
        _hub = new ApiEventHub(_router, _center, _time, new ApiEventOptions { ClientBuffer = 10 }, _metrics, NullLogger<ApiEventHub>.Instance);
    }

    public async Task InitializeAsync() => Assert.Empty(await _router.LoadAsync(_center.Current.Routing));

    public async Task DisposeAsync()
    {
        await _hub.StopAsync(CancellationToken.None);
        _hub.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public void Publish_AgentClient_SeesOwnAgentAndQueuesOnly()
    {
        var desk = _hub.Connect("1002");
        var wallboard = _hub.Connect(null);

        _hub.Publish("agent", "{}", "1001");
        _hub.Publish("agent", "{}", "1002");
        _hub.Publish("queue", "{}", null);

        Assert.Equal(["agent 1002", "queue "], Drain(desk));
        Assert.Equal(["agent 1001", "agent 1002", "queue "], Drain(wallboard));
    }

    [Fact]
    public void Publish_SlowClient_DroppedWithoutWaiting()
    {
        var slow = _hub.Connect(null);
        var fast = _hub.Connect(null);

        for (var i = 0; i < 10; i++)
        {
            _hub.Publish("queue", "{}", null);
            Assert.True(fast.Reader.TryRead(out _));
        }

        _hub.Publish("queue", "{}", null);

        Assert.True(slow.Dropped);
        Assert.False(fast.Dropped);
        Assert.Equal(1, _hub.ClientCount);
        Assert.Equal(10, Drain(slow).Count);
        Assert.True(slow.Reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task Run_AgentStateChange_ReachesClientAsAgentEvent()
    {
        await _hub.StartAsync(CancellationToken.None);
        var client = _hub.Connect(null);
        await _router.LoginAsync("1002");
        await _router.PauseAsync("1002", "lunch");

        var events = new List<ApiEvent>();
        using var cts = new CancellationTokenSource(Bound);
        while (events.Count(e => e.Kind == "agent") < 2)
        {
            events.Add(await client.Reader.ReadAsync(cts.Token));
        }

        var paused = JsonDocument.Parse(events.Last(e => e.Kind == "agent").Data).RootElement;
        Assert.Equal("1002", paused.GetProperty("agent").GetString());
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.Equal("lunch", paused.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task PublishQueues_OnlyChangedStatistics()
    {
        var client = _hub.Connect(null);

        await _hub.PublishQueuesAsync(CancellationToken.None);
        var first = Drain(client);
        await _hub.PublishQueuesAsync(CancellationToken.None);
        var unchanged = Drain(client);
        await _router.EnqueueAsync("c1", "claims");
        await _hub.PublishQueuesAsync(CancellationToken.None);
        var changed = _hub.Connect(null);

        Assert.Equal(4, first.Count);
        Assert.Empty(unchanged);
        var claims = Assert.Single(Events(client));
        Assert.Equal(1, JsonDocument.Parse(claims.Data).RootElement.GetProperty("waiting").GetInt32());
        Assert.Equal(4, Drain(changed).Count); // a new client starts with every queue's last statistics
    }

    [Fact]
    public void Format_Event_ServerSentEventLines()
    {
        Assert.Equal("id: 7\nevent: agent\ndata: {\"a\":1}\n\n", ApiEventStream.Format(new ApiEvent(7, "agent", "{\"a\":1}", "1002")));
    }

    private static List<string> Drain(ApiEventClient client) => Events(client).Select(e => $"{e.Kind} {e.Agent}").ToList();

    private static List<ApiEvent> Events(ApiEventClient client)
    {
        var list = new List<ApiEvent>();
        while (client.Reader.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }
}
