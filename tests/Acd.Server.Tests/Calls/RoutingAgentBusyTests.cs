using Acd.Routing;
using Acd.Server.Calls;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Server.Tests.Calls;

/// <summary>
/// Busy state for direct calls on a real <see cref="AcdRouter"/> with the in-memory store and a virtual clock: an agent
/// on a direct call is paused with reason "direct-call" (no queue call is offered to it) and given back as it was.
/// </summary>
public sealed class RoutingAgentBusyTests : IAsyncLifetime
{
    private const string Agent = "a1002";
    private const string Queue = "support";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly AcdRouter _router;
    private readonly RoutingAgentBusy _busy;

    public RoutingAgentBusyTests()
    {
        _router = new AcdRouter(new InMemoryQueueStore(_time), new RoutingOptions { NodeId = "n1" }, _time);
        _busy = new RoutingAgentBusy(_router);
    }

    public async Task InitializeAsync() => Assert.Empty(await _router.LoadAsync(new RoutingConfig
    {
        Skills = ["support"],
        Queues = [new QueueConfig { Name = Queue, Skills = [new SkillRequirement("support", 1)], WrapUp = TimeSpan.FromSeconds(10) }],
        Agents = [new AgentConfig { Id = Agent, Skills = new Dictionary<string, int> { ["support"] = 5 } }],
    }));

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<AgentSnapshot> AgentAsync() => (await _router.GetAgentAsync(Agent))!;

    private async Task LoginAsync() => Assert.True((await _router.LoginAsync(Agent)).Succeeded);

    /// <summary>A queue call offered to and answered by the agent (OnCall).</summary>
    private async Task TalkOnQueueCallAsync(string callId)
    {
        Assert.True((await _router.EnqueueAsync(callId, Queue)).Succeeded);
        Assert.True((await _router.AcceptAsync(callId, Agent)).Succeeded);
    }

    [Fact]
    public async Task MarkBusyAsync_AvailableAgent_PausedForDirectCallThenAvailableAgain()
    {
        await LoginAsync();

        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);

        Assert.NotNull(token);
        var busy = await AgentAsync();
        Assert.Equal(AgentState.Paused, busy.State);
        Assert.Equal(RoutingAgentBusy.DirectCallReason, busy.Reason);
        Assert.True(await _busy.IsBusyAsync(Agent, CancellationToken.None));

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        Assert.Equal(AgentState.Available, (await AgentAsync()).State);
        Assert.False(await _busy.IsBusyAsync(Agent, CancellationToken.None));
    }

    [Fact]
    public async Task MarkBusyAsync_QueueCallArrivesDuringDirectCall_NotOfferedUntilRestored()
    {
        await LoginAsync();
        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);

        var enqueued = await _router.EnqueueAsync("c1", Queue);
        Assert.True(enqueued.Succeeded);
        Assert.Empty(enqueued.Offers);
        Assert.Equal(1, (await _router.GetQueueSnapshotAsync(Queue))!.Waiting);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        var agent = await AgentAsync();
        Assert.Equal(AgentState.Reserved, agent.State);
        Assert.Equal("c1", agent.CallId);
    }

    [Fact]
    public async Task MarkBusyAsync_AgentPausedBefore_KeepsItsReasonAndStaysPaused()
    {
        await LoginAsync();
        Assert.True((await _router.PauseAsync(Agent, "lunch")).Succeeded);

        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);
        Assert.Null(token);
        Assert.Equal("lunch", (await AgentAsync()).Reason);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        var agent = await AgentAsync();
        Assert.Equal(AgentState.Paused, agent.State);
        Assert.Equal("lunch", agent.Reason);
    }

    [Fact]
    public async Task MarkBusyAsync_LoggedOutAgent_NotTouched()
    {
        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);
        Assert.Null(token);
        Assert.Equal(AgentState.LoggedOut, (await AgentAsync()).State);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        Assert.Equal(AgentState.LoggedOut, (await AgentAsync()).State);
    }

    [Fact]
    public async Task MarkBusyAsync_AgentOnQueueCall_NotTouchedAndBusy()
    {
        await LoginAsync();
        await TalkOnQueueCallAsync("c1");

        Assert.True(await _busy.IsBusyAsync(Agent, CancellationToken.None));
        Assert.Null(await _busy.MarkBusyAsync(Agent, CancellationToken.None));
        Assert.Equal(AgentState.OnCall, (await AgentAsync()).State);
    }

    [Fact]
    public async Task MarkBusyAsync_RingingForQueueCall_NotTouchedAndBusy()
    {
        await LoginAsync();
        Assert.Single((await _router.EnqueueAsync("c1", Queue)).Offers);

        Assert.True(await _busy.IsBusyAsync(Agent, CancellationToken.None));
        Assert.Null(await _busy.MarkBusyAsync(Agent, CancellationToken.None));
        Assert.Equal(AgentState.Reserved, (await AgentAsync()).State);
    }

    [Fact]
    public async Task MarkBusyAsync_AgentInWrapUp_WrapUpEndsAndAgentAvailableAfterCall()
    {
        await LoginAsync();
        await TalkOnQueueCallAsync("c1");
        Assert.True((await _router.EndCallAsync(Agent)).Succeeded);
        Assert.Equal(AgentState.WrapUp, (await AgentAsync()).State);
        Assert.False(await _busy.IsBusyAsync(Agent, CancellationToken.None));

        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);
        Assert.Equal(AgentState.Paused, (await AgentAsync()).State);

        // The wrap-up timer no longer applies: the agent stays busy past it.
        _time.Advance(TimeSpan.FromSeconds(30));
        await _router.ProcessDueAsync();
        Assert.Equal(AgentState.Paused, (await AgentAsync()).State);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        Assert.Equal(AgentState.Available, (await AgentAsync()).State);
    }

    [Fact]
    public async Task RestoreAsync_AgentLoggedOutDuringDirectCall_StaysLoggedOut()
    {
        await LoginAsync();
        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);
        Assert.True((await _router.LogoutAsync(Agent)).Succeeded);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        Assert.Equal(AgentState.LoggedOut, (await AgentAsync()).State);
    }

    [Fact]
    public async Task RestoreAsync_SupervisorPausedAgentDuringDirectCall_KeepsSupervisorsPause()
    {
        await LoginAsync();
        var token = await _busy.MarkBusyAsync(Agent, CancellationToken.None);

        // Paused -> Paused with another reason is a legal transition (AgentTransitions): the later decision wins.
        Assert.True((await _router.PauseAsync(Agent, "meeting")).Succeeded);

        await _busy.RestoreAsync(Agent, token, CancellationToken.None);
        var agent = await AgentAsync();
        Assert.Equal(AgentState.Paused, agent.State);
        Assert.Equal("meeting", agent.Reason);
    }

    [Fact]
    public async Task IsBusyAsync_UnknownAgent_False()
    {
        Assert.False(await _busy.IsBusyAsync("nobody", CancellationToken.None));
        Assert.Null(await _busy.MarkBusyAsync("nobody", CancellationToken.None));
    }
}
