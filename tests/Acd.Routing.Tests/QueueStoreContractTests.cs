using Acd.Routing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Routing.Tests;

/// <summary>The contract every <see cref="IQueueStore"/> keeps; run against the in-memory and the Redis store.</summary>
public abstract class QueueStoreContractTests
{
    protected FakeTimeProvider Clock { get; } = Cfg.Clock();

    protected FixedRandom Random { get; } = new(0.0);

    protected abstract Task<IQueueStore> CreateStoreAsync(TimeProvider time, Random random);

    private async Task<IQueueStore> Load(RoutingConfig config)
    {
        var store = await CreateStoreAsync(Clock, Random);
        var errors = await store.LoadAsync(config);
        Assert.Empty(errors);
        return store;
    }

    private async Task LoginAll(IQueueStore store, params string[] agents)
    {
        foreach (var a in agents)
        {
            Assert.True((await store.SetAgentStateAsync(a, AgentState.Available)).Succeeded);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task Enqueue_AgentAvailable_ReservesAgentAndOffers()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");

        var r = await store.EnqueueAsync(Cfg.Call("c1", "q"));

        var offer = r.Offer();
        Assert.Equal(("c1", "a1", "q"), (offer.CallId, offer.AgentId, offer.Queue));
        Assert.Equal(RoutingEventKind.Enqueued, r.Events[0].Kind);
        Assert.Equal(AgentState.Reserved, (await store.GetAgentAsync("a1"))!.State);
        Assert.Equal("c1", (await store.GetAgentAsync("a1"))!.CallId);
    }

    [Fact]
    public async Task Enqueue_NoAgent_WaitsThenAgentLoginTakesIt()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        var r = await store.EnqueueAsync(Cfg.Call("c1", "q"));
        Assert.Empty(r.Offers);
        Assert.Equal(1, (await store.GetQueueSnapshotAsync("q"))!.Waiting);

        Clock.Advance(TimeSpan.FromSeconds(7));
        var login = await store.SetAgentStateAsync("a1", AgentState.Available);

        var offer = login.Offer();
        Assert.Equal("c1", offer.CallId);
        Assert.Equal(7000, offer.WaitMs);
        Assert.Equal(0, (await store.GetQueueSnapshotAsync("q"))!.Waiting);
    }

    [Fact]
    public async Task Enqueue_AgentLacksSkill_NotOffered()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", "support")], Cfg.Agent("a1", ("sales", 9))));
        await LoginAll(store, "a1");

        var r = await store.EnqueueAsync(Cfg.Call("c1", "q"));

        Assert.True(r.Succeeded);
        Assert.Empty(r.Offers);
    }

    [Fact]
    public async Task Enqueue_ExtraSkillRequired_OnlyMatchingAgent()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 9)), Cfg.Agent("a2", ("sales", 3), ("spanish", 6))));
        await LoginAll(store, "a1", "a2");

        var r = await store.EnqueueAsync(Cfg.Call("c1", "q", extra: new SkillRequirement("spanish", 5)));

        Assert.Equal("a2", r.Offer().AgentId);
    }

    [Fact]
    public async Task Strategy_LongestIdle_PicksAgentIdleLongest()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 9)), Cfg.Agent("a3", ("sales", 1))));
        await LoginAll(store, "a2", "a3", "a1");

        Assert.Equal("a2", (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);
        Assert.Equal("a3", (await store.EnqueueAsync(Cfg.Call("c2", "q"))).Offer().AgentId);
    }

    [Fact]
    public async Task Strategy_MostSkilled_PicksHighestLevelThenLongestIdle()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.MostSkilled)],
            Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 9)), Cfg.Agent("a3", ("sales", 9))));
        await LoginAll(store, "a1", "a3", "a2");

        Assert.Equal("a3", (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);
        Assert.Equal("a2", (await store.EnqueueAsync(Cfg.Call("c2", "q"))).Offer().AgentId);
        Assert.Equal("a1", (await store.EnqueueAsync(Cfg.Call("c3", "q"))).Offer().AgentId);
    }

    [Fact]
    public async Task Strategy_RoundRobin_CyclesByAgentIdWithMemory()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.RoundRobin) with { WrapUp = TimeSpan.Zero }],
            Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5)), Cfg.Agent("a3", ("sales", 5))));
        await LoginAll(store, "a3", "a2", "a1");
        var picked = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var agent = (await store.EnqueueAsync(Cfg.Call("c" + i, "q"))).Offer().AgentId!;
            picked.Add(agent);
            Assert.True((await store.CompleteReservationAsync("c" + i, agent, ReservationOutcome.Accepted)).Succeeded);
            Assert.True((await store.EndCallAsync(agent)).Succeeded);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["a1", "a2", "a3", "a1", "a2"], picked);
    }

    [Fact]
    public async Task Strategy_FewestCalls_PicksAgentWithFewestAnsweredToday()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.FewestCalls)], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await LoginAll(store, "a1", "a2");
        var first = (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId!;
        Assert.Equal("a1", first);
        await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Accepted);
        Clock.Advance(TimeSpan.FromSeconds(10));
        await store.EndCallAsync("a1");
        Clock.Advance(TimeSpan.FromSeconds(30));

        // a1 is now idle only 30 s, a2 much longer; a1 has one call: a2 wins either way. Make a1 idle longest:
        await store.SetAgentStateAsync("a2", AgentState.Paused, "break");
        await store.SetAgentStateAsync("a2", AgentState.Available);

        Assert.Equal("a2", (await store.EnqueueAsync(Cfg.Call("c2", "q"))).Offer().AgentId);
        Assert.Equal(1, (await store.GetAgentAsync("a1"))!.CallsToday);
    }

    [Fact]
    public async Task Strategy_LeastTalkTime_PicksAgentWithLeastTalkToday()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.LeastTalkTime)], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await LoginAll(store, "a1", "a2");
        foreach (var (call, talk) in new[] { ("c1", 100), ("c2", 20) })
        {
            var agent = (await store.EnqueueAsync(Cfg.Call(call, "q"))).Offer().AgentId!;
            await store.CompleteReservationAsync(call, agent, ReservationOutcome.Accepted);
            Clock.Advance(TimeSpan.FromSeconds(talk));
            await store.EndCallAsync(agent);
        }

        // a1 talked 100 s and is now idle longest (ended first? no: ended at t+100, a2 at t+120): a2 talked 20 s.
        Assert.Equal(20_000, (await store.GetAgentAsync("a2"))!.TalkMsToday);
        Assert.Equal("a2", (await store.EnqueueAsync(Cfg.Call("c3", "q"))).Offer().AgentId);
    }

    [Theory]
    [InlineData(0.0, "a1")]
    [InlineData(0.5, "a2")]
    [InlineData(0.99, "a3")]
    public async Task Strategy_Random_UsesInjectedDrawOverIdleOrder(double draw, string expected)
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.Random)], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5)), Cfg.Agent("a3", ("sales", 5))));
        await LoginAll(store, "a1", "a2", "a3");
        Random.Value = draw;

        Assert.Equal(expected, (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);
    }

    [Theory]
    [InlineData(0.05, "a1")]
    [InlineData(0.2, "a2")]
    [InlineData(0.95, "a2")]
    public async Task Strategy_WeightedRandom_WeightsByProficiency(double draw, string expected)
    {
        // weights 2 and 8: draws below 0.2 pick a1, the rest a2
        var store = await Load(Cfg.Config([Cfg.Queue("q", strategy: RoutingStrategies.WeightedRandom)], Cfg.Agent("a1", ("sales", 2)), Cfg.Agent("a2", ("sales", 8))));
        await LoginAll(store, "a1", "a2");
        Random.Value = draw;

        Assert.Equal(expected, (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);
    }

    [Fact]
    public async Task AgentFree_HigherPriorityCallFirst_ThenLongestWaiting()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await store.EnqueueAsync(Cfg.Call("old", "q"));
        Clock.Advance(TimeSpan.FromSeconds(5));
        await store.EnqueueAsync(Cfg.Call("vip", "q", priority: 5));
        Clock.Advance(TimeSpan.FromSeconds(5));
        await store.EnqueueAsync(Cfg.Call("new", "q"));

        Assert.Equal(1, (await store.GetCallPositionAsync("vip"))!.Position);
        Assert.Equal(2, (await store.GetCallPositionAsync("old"))!.Position);
        Assert.Equal(3, (await store.GetCallPositionAsync("new"))!.Position);
        Assert.Equal("vip", (await store.SetAgentStateAsync("a1", AgentState.Available)).Offer().CallId);
    }

    [Fact]
    public async Task AgentFree_SeveralQueues_TakesLongestWaitingAcrossQueues()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("qa"), Cfg.Queue("qb", "support")], Cfg.Agent("a1", ("sales", 5), ("support", 5))));
        await store.EnqueueAsync(Cfg.Call("b-old", "qb"));
        Clock.Advance(TimeSpan.FromSeconds(10));
        await store.EnqueueAsync(Cfg.Call("a-new", "qa"));
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("b-old", (await store.SetAgentStateAsync("a1", AgentState.Available)).Offer().CallId);
    }

    [Fact]
    public async Task AgentFree_QueueWeight_ScalesWaitBetweenQueues()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("qa") with { Weight = 3 }, Cfg.Queue("qb", "support")], Cfg.Agent("a1", ("sales", 5), ("support", 5))));
        await store.EnqueueAsync(Cfg.Call("b-old", "qb"));
        Clock.Advance(TimeSpan.FromSeconds(10));
        await store.EnqueueAsync(Cfg.Call("a-new", "qa"));
        Clock.Advance(TimeSpan.FromSeconds(5));

        // qb waited 15 s (x1), qa waited 5 s (x3 = 15 s equivalent + a tie goes to the first queue by name)
        Assert.Equal("a-new", (await store.SetAgentStateAsync("a1", AgentState.Available)).Offer().CallId);
    }

    [Fact]
    public async Task Escalation_RelaxStep_OffersToLowerLevelOnlyWhenDue()
    {
        var queue = Cfg.Queue("q", level: 7) with
        {
            Escalation =
            [
                new EscalationStep { After = TimeSpan.FromSeconds(30), MinLevel = 4 },
                new EscalationStep { After = TimeSpan.FromSeconds(60), MinLevel = 1 },
            ],
        };
        var store = await Load(Cfg.Config([queue], Cfg.Agent("a5", ("sales", 5)), Cfg.Agent("a2", ("sales", 2))));
        await LoginAll(store, "a2", "a5");
        Assert.Empty((await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offers);
        Assert.Empty((await store.EnqueueAsync(Cfg.Call("c2", "q"))).Offers);

        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty((await store.ProcessDueAsync()).Offers);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var at30 = await store.ProcessDueAsync();
        Assert.Equal(("c1", "a5"), (at30.Offer().CallId, at30.Offer().AgentId));
        Assert.True((await store.CompleteReservationAsync("c1", "a5", ReservationOutcome.Accepted)).Succeeded);

        Clock.Advance(TimeSpan.FromSeconds(30));
        var at60 = await store.ProcessDueAsync();
        Assert.Equal(("c2", "a2"), (at60.Offer().CallId, at60.Offer().AgentId));
    }

    [Fact]
    public async Task Escalation_StepAtZero_AppliesOnEnqueue()
    {
        var queue = Cfg.Queue("q", level: 9) with { Escalation = [new EscalationStep { After = TimeSpan.Zero, MinLevel = 7 }] };
        var store = await Load(Cfg.Config([queue], Cfg.Agent("a1", ("sales", 7))));
        await LoginAll(store, "a1");

        Assert.Equal("a1", (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);
    }

    [Fact]
    public async Task Escalation_Overflow_MovesCallToTargetQueueKeepingEnqueueTime()
    {
        var main = Cfg.Queue("main") with { Escalation = [new EscalationStep { After = TimeSpan.FromSeconds(120), Action = EscalationAction.Overflow, Target = "backup" }] };
        var store = await Load(Cfg.Config([main, Cfg.Queue("backup", "support")], Cfg.Agent("b1", ("support", 5))));
        await store.EnqueueAsync(Cfg.Call("c1", "main"));
        Clock.Advance(TimeSpan.FromSeconds(120));

        var due = await store.ProcessDueAsync();

        var moved = Assert.Single(due.Events, e => e.Kind == RoutingEventKind.Transferred);
        Assert.Equal(("main", "backup"), (moved.Queue, moved.Detail));
        var position = (await store.GetCallPositionAsync("c1"))!;
        Assert.Equal(("backup", 1), (position.Queue, position.Position));
        Assert.Equal(Cfg.Start.ToUnixTimeMilliseconds(), position.EnqueuedMs);
        var offer = (await store.SetAgentStateAsync("b1", AgentState.Available)).Offer();
        Assert.Equal(120_000, offer.WaitMs);
        Assert.Equal(1, (await store.GetQueueSnapshotAsync("main"))!.Transferred);
    }

    [Fact]
    public async Task Escalation_Voicemail_RemovesCallWithTransferredEvent()
    {
        var q = Cfg.Queue("q") with { Escalation = [new EscalationStep { After = TimeSpan.FromSeconds(90), Action = EscalationAction.Voicemail }] };
        var store = await Load(Cfg.Config([q]));
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        Clock.Advance(TimeSpan.FromSeconds(90));

        var e = Assert.Single((await store.ProcessDueAsync()).Events);
        Assert.Equal((RoutingEventKind.Transferred, RoutingReasons.Voicemail, 90_000L), (e.Kind, e.Detail, e.WaitMs));
        Assert.Null(await store.GetCallPositionAsync("c1"));
    }

    [Fact]
    public async Task MaxWait_Expires_TransfersCallOut()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { MaxWait = TimeSpan.FromSeconds(45) }]));
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        Clock.Advance(TimeSpan.FromSeconds(44));
        Assert.Empty((await store.ProcessDueAsync()).Events);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var e = Assert.Single((await store.ProcessDueAsync()).Events);
        Assert.Equal((RoutingEventKind.Transferred, RoutingReasons.MaxWait), (e.Kind, e.Detail));
        Assert.Equal(0, (await store.GetQueueSnapshotAsync("q"))!.Waiting);
    }

    [Fact]
    public async Task Enqueue_WithAnEarlierArrival_GoesAheadAndItsMaxWaitCountsFromTheEnqueue()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { MaxWait = TimeSpan.FromSeconds(45) }]));
        await store.EnqueueAsync(Cfg.Call("waiting", "q"));
        Clock.Advance(TimeSpan.FromSeconds(10));

        // A transferred caller who first arrived 60 s ago: ahead of the one waiting 10 s, and not expired at once.
        await store.EnqueueAsync(Cfg.Call("transferred", "q") with { Arrived = Clock.GetUtcNow() - TimeSpan.FromSeconds(60) });

        Assert.Equal(1, (await store.GetCallPositionAsync("transferred"))!.Position);
        Assert.Equal(2, (await store.GetCallPositionAsync("waiting"))!.Position);
        Assert.Empty((await store.ProcessDueAsync()).Events);
        Clock.Advance(TimeSpan.FromSeconds(44));
        var expired = (await store.ProcessDueAsync()).Events;
        Assert.Equal(["waiting"], expired.Select(e => e.CallId));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["transferred"], (await store.ProcessDueAsync()).Events.Select(e => e.CallId));
    }

    [Fact]
    public async Task MaxLength_QueueFull_RefusesCall()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { MaxLength = 1 }]));
        Assert.True((await store.EnqueueAsync(Cfg.Call("c1", "q"))).Succeeded);

        var r = await store.EnqueueAsync(Cfg.Call("c2", "q"));

        Assert.Equal(RoutingError.QueueFull, r.Error);
        Assert.Contains("'q'", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reservation_LeaseExpires_RequeuesKeepingOriginalEnqueueTime()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.EnqueueAsync(Cfg.Call("c2", "q"));
        Clock.Advance(TimeSpan.FromSeconds(13));
        Assert.Empty((await store.ProcessDueAsync()).Events);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var due = await store.ProcessDueAsync();

        var requeued = Assert.Single(due.Events, e => e.Kind == RoutingEventKind.Requeued);
        Assert.Equal(("c1", RoutingReasons.TimedOut), (requeued.CallId, requeued.Detail));
        Assert.Equal(1, (await store.GetAgentAsync("a1"))!.RingNoAnswers);
        var again = due.Offer();
        Assert.Equal(("c1", "a1", 15_000L), (again.CallId, again.AgentId, again.WaitMs));
        Assert.Equal(1, (await store.GetCallPositionAsync("c2"))!.Position);
    }

    [Fact]
    public async Task Reservation_RingNoAnswerLimit_AutoPausesAgent()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        var first = await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.RingNoAnswer);
        Assert.Equal("c1", first.Offer().CallId);

        var second = await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.RingNoAnswer);

        Assert.Empty(second.Offers);
        var agent = (await store.GetAgentAsync("a1"))!;
        Assert.Equal((AgentState.Paused, RoutingReasons.RingNoAnswer), (agent.State, agent.Reason));
        Assert.True((await store.GetCallPositionAsync("c1"))!.Waiting);
    }

    [Fact]
    public async Task Reservation_Rejected_OfferedToAnotherAgentFirst()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await LoginAll(store, "a1", "a2");
        Assert.Equal("a1", (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offer().AgentId);

        var r = await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Rejected);

        Assert.Equal("a2", r.Offer().AgentId);
        Assert.Equal(AgentState.Available, (await store.GetAgentAsync("a1"))!.State);
        Assert.Equal(0, (await store.GetAgentAsync("a1"))!.RingNoAnswers);
    }

    [Fact]
    public async Task Reservation_WrongAgent_NotReserved()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));

        Assert.Equal(RoutingError.NotReserved, (await store.CompleteReservationAsync("c1", "a2", ReservationOutcome.Accepted)).Error);
        Assert.Equal(RoutingError.NotReserved, (await store.CompleteReservationAsync("nope", "a1", ReservationOutcome.Accepted)).Error);
    }

    [Fact]
    public async Task CallLifecycle_AcceptEndWrapUp_AgentTakesNextCallAfterWrapUp()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { WrapUp = TimeSpan.FromSeconds(10) }], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        Clock.Advance(TimeSpan.FromSeconds(3));
        var accepted = await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Accepted);
        Assert.Equal(3000, Assert.Single(accepted.Events, e => e.Kind == RoutingEventKind.Answered).WaitMs);
        Assert.Equal(AgentState.OnCall, (await store.GetAgentAsync("a1"))!.State);
        await store.EnqueueAsync(Cfg.Call("c2", "q"));
        Clock.Advance(TimeSpan.FromSeconds(60));

        var ended = await store.EndCallAsync("a1");
        Assert.Equal(60_000, Assert.Single(ended.Events, e => e.Kind == RoutingEventKind.Ended).HandleMs);
        Assert.Equal(AgentState.WrapUp, (await store.GetAgentAsync("a1"))!.State);
        Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty((await store.ProcessDueAsync()).Offers);
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("c2", (await store.ProcessDueAsync()).Offer().CallId);
    }

    [Fact]
    public async Task WrapUp_AgentMakesSelfAvailableEarly_TimerCancelled()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { WrapUp = TimeSpan.FromSeconds(30) }], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Accepted);
        await store.EndCallAsync("a1");
        await store.SetAgentStateAsync("a1", AgentState.Available);
        await store.SetAgentStateAsync("a1", AgentState.Paused, "lunch");
        Clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Empty((await store.ProcessDueAsync()).Events);
        Assert.Equal(("lunch", AgentState.Paused), ((await store.GetAgentAsync("a1"))!.Reason, (await store.GetAgentAsync("a1"))!.State));
    }

    [Fact]
    public async Task Abandon_WhileRinging_ReleasesAgentToNextCall()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        await store.EnqueueAsync(Cfg.Call("c2", "q"));
        Clock.Advance(TimeSpan.FromSeconds(2));

        var r = await store.AbandonAsync("c1");

        Assert.Equal(RoutingEventKind.Abandoned, r.Events[0].Kind);
        Assert.Equal("c2", r.Offer().CallId);
        var s = (await store.GetQueueSnapshotAsync("q"))!;
        Assert.Equal((1L, 1L), (s.Abandoned, s.ShortAbandoned));
        Assert.Equal(RoutingError.UnknownCall, (await store.AbandonAsync("c1")).Error);
    }

    [Fact]
    public async Task AgentState_IllegalTransition_RejectedWithReason()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Accepted);

        var pause = await store.SetAgentStateAsync("a1", AgentState.Paused, "break");
        Assert.Equal(RoutingError.IllegalTransition, pause.Error);
        Assert.Equal("an agent cannot go from OnCall to Paused", pause.Reason);
        Assert.Equal(RoutingError.IllegalTransition, (await store.SetAgentStateAsync("a1", AgentState.WrapUp)).Error);
        Assert.Equal(RoutingError.UnknownAgent, (await store.SetAgentStateAsync("ghost", AgentState.Available)).Error);
        Assert.True((await store.EndCallAsync("a1")).Succeeded);
        Assert.Equal(RoutingError.IllegalTransition, (await store.EndCallAsync("a1")).Error);
    }

    [Fact]
    public async Task AgentState_WhileRinging_ManualChangeRefused()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));

        var r = await store.SetAgentStateAsync("a1", AgentState.Available);

        Assert.Equal((RoutingError.IllegalTransition, "an agent cannot go from Reserved to Available"), (r.Error, r.Reason));
        Assert.Equal(AgentState.Reserved, (await store.GetAgentAsync("a1"))!.State);
    }

    [Fact]
    public async Task Enqueue_BadInput_ClearErrorValues()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")]));
        await store.EnqueueAsync(Cfg.Call("c1", "q"));

        Assert.Equal(RoutingError.DuplicateCall, (await store.EnqueueAsync(Cfg.Call("c1", "q"))).Error);
        Assert.Equal(RoutingError.UnknownQueue, (await store.EnqueueAsync(Cfg.Call("c2", "nope"))).Error);
        var unknownSkill = await store.EnqueueAsync(Cfg.Call("c3", "q", extra: new SkillRequirement("klingon", 3)));
        Assert.Equal(RoutingError.InvalidRequest, unknownSkill.Error);
        Assert.Contains("klingon", unknownSkill.Reason, StringComparison.Ordinal);
        Assert.Equal(RoutingError.InvalidRequest, (await store.EnqueueAsync(Cfg.Call("c4", "q", extra: new SkillRequirement("sales", 11)))).Error);
        Assert.Equal(RoutingError.InvalidRequest, (await store.EnqueueAsync(Cfg.Call("c5", "q", priority: 12))).Error);
    }

    [Fact]
    public async Task PositionAndEwt_FollowQueueAndStaffing()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { InitialHandleTime = TimeSpan.FromSeconds(120) }], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await LoginAll(store, "a1", "a2");
        foreach (var c in new[] { "c1", "c2", "c3", "c4", "c5" })
        {
            var r = await store.EnqueueAsync(Cfg.Call(c, "q"));
            foreach (var o in r.Offers)
            {
                await store.CompleteReservationAsync(o.CallId!, o.AgentId!, ReservationOutcome.Accepted);
            }
        }

        var p5 = (await store.GetCallPositionAsync("c5"))!;
        Assert.Equal((3, 3, 2, 0), (p5.Position, p5.WaitingInQueue, p5.StaffedAgents, p5.AvailableAgents));
        Assert.Equal(TimeSpan.FromSeconds(180), p5.EstimatedWait);
        Assert.Equal(TimeSpan.FromSeconds(60), (await store.GetCallPositionAsync("c3"))!.EstimatedWait);

        Clock.Advance(TimeSpan.FromSeconds(60));
        await store.EndCallAsync("a1");
        var after = (await store.GetQueueSnapshotAsync("q"))!;
        Assert.Equal(108_000, after.AverageHandleMs);
        Assert.Equal(2, (await store.GetCallPositionAsync("c5"))!.Position);
    }

    [Fact]
    public async Task Ewt_AgentSharedBetweenQueues_CountsAsShare()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("qa") with { InitialHandleTime = TimeSpan.FromSeconds(100) }, Cfg.Queue("qb", "support")],
            Cfg.Agent("both", ("sales", 5), ("support", 5)), Cfg.Agent("only", ("sales", 5))));
        await LoginAll(store, "both", "only");
        foreach (var c in new[] { "c1", "c2", "c3" })
        {
            foreach (var o in (await store.EnqueueAsync(Cfg.Call(c, "qa"))).Offers)
            {
                await store.CompleteReservationAsync(o.CallId!, o.AgentId!, ReservationOutcome.Accepted);
            }
        }

        var p = (await store.GetCallPositionAsync("c3"))!;
        Assert.Equal((2, 1.5), (p.StaffedAgents, p.EffectiveStaff));
        Assert.Equal(TimeSpan.FromMilliseconds(100_000 / 1.5), p.EstimatedWait);
        Assert.Equal(1.5, (await store.GetQueueSnapshotAsync("qa"))!.EffectiveStaff);
    }

    [Fact]
    public async Task Statistics_CountOfferedAnsweredAbandonedServiceLevelAndTimes()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("sales", 5))));
        await store.EnqueueAsync(Cfg.Call("fast", "q"));
        Clock.Advance(TimeSpan.FromSeconds(2));
        await store.EnqueueAsync(Cfg.Call("quit", "q"));
        Clock.Advance(TimeSpan.FromSeconds(8));
        await store.AbandonAsync("quit");
        await store.EnqueueAsync(Cfg.Call("slow", "q"));
        await store.SetAgentStateAsync("a1", AgentState.Available);
        await store.CompleteReservationAsync("fast", "a1", ReservationOutcome.Accepted);
        Clock.Advance(TimeSpan.FromSeconds(25));
        await store.SetAgentStateAsync("a2", AgentState.Available);
        await store.CompleteReservationAsync("slow", "a2", ReservationOutcome.Accepted);
        Clock.Advance(TimeSpan.FromSeconds(40));
        await store.EndCallAsync("a2");
        await store.SetAgentStateAsync("a2", AgentState.Paused, "break");
        await store.EnqueueAsync(Cfg.Call("waiting", "q"));
        Clock.Advance(TimeSpan.FromSeconds(4));

        var s = (await store.GetQueueSnapshotAsync("q"))!;

        Assert.Equal((4L, 2L, 1L, 0L, 1L), (s.Offered, s.Answered, s.Abandoned, s.ShortAbandoned, s.AnsweredWithinServiceLevel));
        Assert.Equal((10_000L + 25_000L, 40_000L, 1L), (s.WaitSumMs, s.HandleSumMs, s.Handled));
        Assert.Equal((1, 4000L), (s.Waiting, s.LongestWaitMs));
        Assert.Equal(1, s.AgentsByState[AgentState.OnCall]);
        Assert.Equal(1, s.AgentsByState[AgentState.Paused]);
        Assert.Equal(1.0 / 3, s.ServiceLevel, 6);
    }

    [Fact]
    public async Task NodeDeath_WaitingCallsLost_ReservedAgentReleasedAtLeaseEnd()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5))));
        await store.HeartbeatAsync("dead", TimeSpan.FromSeconds(10));
        await store.HeartbeatAsync("alive", TimeSpan.FromSeconds(60));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("ringing", "q", node: "dead"));
        await store.EnqueueAsync(Cfg.Call("waiting", "q", node: "dead"));
        await store.EnqueueAsync(Cfg.Call("other", "q", node: "alive"));
        Clock.Advance(TimeSpan.FromSeconds(10));

        var reaped = await store.ProcessDueAsync();

        Assert.Equal(["ringing", "waiting"], reaped.Events.Where(e => e.Kind == RoutingEventKind.Lost).Select(e => e.CallId).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await store.GetQueueSnapshotAsync("q"))!.LostByFailure);
        Assert.Equal(AgentState.Reserved, (await store.GetAgentAsync("a1"))!.State);
        Assert.Equal(RoutingError.NotReserved, (await store.CompleteReservationAsync("ringing", "a1", ReservationOutcome.Accepted)).Error);
        Clock.Advance(TimeSpan.FromSeconds(5));

        var released = await store.ProcessDueAsync();

        Assert.Equal("other", released.Offer().CallId);
        Assert.Equal(0, (await store.GetAgentAsync("a1"))!.RingNoAnswers);
        Assert.Null(await store.GetCallPositionAsync("ringing"));
    }

    [Fact]
    public async Task NodeDeath_AnsweredCall_AgentGoesToWrapUp()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { WrapUp = TimeSpan.FromSeconds(5) }], Cfg.Agent("a1", ("sales", 5))));
        await store.HeartbeatAsync("n1", TimeSpan.FromSeconds(10));
        await LoginAll(store, "a1");
        await store.EnqueueAsync(Cfg.Call("c1", "q"));
        await store.CompleteReservationAsync("c1", "a1", ReservationOutcome.Accepted);
        Clock.Advance(TimeSpan.FromSeconds(20));

        var r = await store.ProcessDueAsync();

        Assert.Equal(RoutingReasons.NodeLost, Assert.Single(r.Events, e => e.Kind == RoutingEventKind.Ended).Detail);
        Assert.Equal(AgentState.WrapUp, (await store.GetAgentAsync("a1"))!.State);
    }

    [Fact]
    public async Task GetNextDue_ReportsEarliestTimer()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q") with { MaxWait = TimeSpan.FromSeconds(50) }]));
        Assert.Null(await store.GetNextDueAsync());
        await store.EnqueueAsync(Cfg.Call("c1", "q"));

        Assert.Equal(Cfg.Start.AddSeconds(50), await store.GetNextDueAsync());
    }

    [Fact]
    public async Task Load_Reload_KeepsAgentStateAndUpdatesSkills()
    {
        var store = await Load(Cfg.Config([Cfg.Queue("q", level: 5)], Cfg.Agent("a1", ("sales", 3))));
        await LoginAll(store, "a1");
        Assert.Empty((await store.EnqueueAsync(Cfg.Call("c1", "q"))).Offers);

        Assert.Empty(await store.LoadAsync(Cfg.Config([Cfg.Queue("q", level: 5)], Cfg.Agent("a1", ("sales", 6)))));

        Assert.Equal(AgentState.Available, (await store.GetAgentAsync("a1"))!.State);
        Assert.Equal("a1", (await store.EnqueueAsync(Cfg.Call("c2", "q"))).Offer().AgentId);
    }

    [Fact]
    public async Task Load_InvalidConfig_ReturnsErrorsAndLoadsNothing()
    {
        var store = await CreateStoreAsync(Clock, Random);
        var errors = await store.LoadAsync(Cfg.Config([Cfg.Queue("q", "nope")], Cfg.Agent("a1", ("sales", 12))));

        Assert.Equal(2, errors.Count);
        Assert.Null(await store.GetQueueSnapshotAsync("q"));
    }
}
