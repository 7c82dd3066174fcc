using Acd.Routing;
using Acd.Routing.Redis;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Routing.Tests;

/// <summary>
/// The same random sequence of operations (seeded) against the in-memory store and the Redis store, each on its own
/// virtual clock in lockstep: every result (error and events, in order) and the final queue and agent state must be
/// identical. This is what keeps routing.lua and InMemoryQueueStore one set of rules.
/// </summary>
public sealed class DifferentialTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    private static RoutingConfig Config(string strategy) => new()
    {
        Skills = ["sales", "support", "spanish", "billing"],
        RingNoAnswerLimit = 2,
        Queues =
        [
            Cfg.Queue("sales", level: 6, strategy: strategy) with
            {
                WrapUp = TimeSpan.FromSeconds(5),
                Escalation = [new EscalationStep { After = TimeSpan.FromSeconds(20), MinLevel = 3 }, new EscalationStep { After = TimeSpan.FromSeconds(60), Action = EscalationAction.Overflow, Target = "support" }],
            },
            Cfg.Queue("support", "support", strategy: strategy) with { MaxWait = TimeSpan.FromSeconds(90), Weight = 2 },
            Cfg.Queue("billing", "billing", level: 4, strategy: strategy) with
            {
                MaxLength = 4,
                Escalation = [new EscalationStep { After = TimeSpan.Zero, MinLevel = 5 }, new EscalationStep { After = TimeSpan.FromSeconds(45), Action = EscalationAction.Callback }],
            },
        ],
        Agents =
        [
            Cfg.Agent("a1", ("sales", 8), ("support", 3)),
            Cfg.Agent("a2", ("sales", 4), ("spanish", 9)),
            Cfg.Agent("a3", ("support", 7), ("billing", 6)),
            Cfg.Agent("a4", ("billing", 3), ("sales", 2), ("support", 5)),
            Cfg.Agent("a5", ("sales", 10), ("billing", 9), ("spanish", 4)),
            Cfg.Agent("a6", ("support", 1)),
        ],
    };

    [Theory]
    [InlineData(1, RoutingStrategies.LongestIdle)]
    [InlineData(2, RoutingStrategies.MostSkilled)]
    [InlineData(3, RoutingStrategies.RoundRobin)]
    [InlineData(4, RoutingStrategies.FewestCalls)]
    [InlineData(5, RoutingStrategies.LeastTalkTime)]
    [InlineData(6, RoutingStrategies.Random)]
    [InlineData(7, RoutingStrategies.WeightedRandom)]
    public async Task RandomOperations_BothStores_IdenticalResultsAndState(int seed, string strategy)
    {
        var clockM = Cfg.Clock();
        var clockR = Cfg.Clock();
        var randM = new FixedRandom(0.5);
        var randR = new FixedRandom(0.5);
        IQueueStore mem = new InMemoryQueueStore(clockM, randM);
        IQueueStore red = new RedisQueueStore(fixture.Redis, RedisStoreFixture.UniqueOptions(), clockR, randR);
        var config = Config(strategy);
        Assert.Empty(await mem.LoadAsync(config));
        Assert.Empty(await red.LoadAsync(config));
        var rng = new Random(seed);
        var calls = new List<string>();
        var offers = new List<(string Call, string Agent)>();
        var agents = config.Agents.Select(a => a.Id).ToArray();
        var queues = new[] { "sales", "support", "billing", "nope" };
        var nodes = new[] { "n1", "n2" };
        foreach (var n in nodes)
        {
            await mem.HeartbeatAsync(n, TimeSpan.FromSeconds(400));
            await red.HeartbeatAsync(n, TimeSpan.FromSeconds(400));
        }

        for (var step = 0; step < 1000; step++)
        {
            var draw = rng.NextDouble();
            randM.Value = draw;
            randR.Value = draw;
            var op = rng.Next(100);
            string what;
            Func<IQueueStore, Task<RoutingResult>> action;
            if (op < 12)
            {
                var agent = agents[rng.Next(agents.Length)];
                var state = new[] { AgentState.Available, AgentState.Available, AgentState.Paused, AgentState.LoggedOut }[rng.Next(4)];
                what = $"state {agent} {state}";
                action = s => s.SetAgentStateAsync(agent, state, state == AgentState.Paused ? "break" : null);
            }
            else if (op < 40)
            {
                var id = "c" + step;
                calls.Add(id);
                var queue = queues[rng.Next(queues.Length)];
                int? priority = rng.Next(4) == 0 ? rng.Next(0, 10) : null;
                var extra = rng.Next(5) == 0 ? new[] { new SkillRequirement("spanish", rng.Next(1, 10)) } : [];
                var node = nodes[rng.Next(nodes.Length)];
                what = $"enqueue {id} {queue}";
                action = s => s.EnqueueAsync(Cfg.Call(id, queue, priority, node, extra));
            }
            else if (op < 48 && calls.Count > 0)
            {
                var id = calls[rng.Next(calls.Count)];
                what = $"abandon {id}";
                action = s => s.AbandonAsync(id);
            }
            else if (op < 70 && offers.Count > 0)
            {
                var (call, agent) = offers[rng.Next(offers.Count)];
                var outcome = (ReservationOutcome)new[] { 0, 0, 0, 1, 3 }[rng.Next(5)];
                what = $"complete {call} {agent} {outcome}";
                action = s => s.CompleteReservationAsync(call, agent, outcome);
            }
            else if (op < 82)
            {
                var agent = agents[rng.Next(agents.Length)];
                what = $"end {agent}";
                action = s => s.EndCallAsync(agent);
            }
            else if (op < 84)
            {
                var node = nodes[rng.Next(nodes.Length)];
                var ttl = TimeSpan.FromSeconds(rng.Next(2) == 0 ? 1 : 400);
                what = $"heartbeat {node} {ttl}";
                action = async s =>
                {
                    await s.HeartbeatAsync(node, ttl);
                    return RoutingResult.Empty;
                };
            }
            else
            {
                var advance = TimeSpan.FromMilliseconds(rng.Next(0, 25_000));
                what = $"advance {advance.TotalMilliseconds} + due";
                clockM.Advance(advance);
                clockR.Advance(advance);
                action = s => s.ProcessDueAsync();
            }

            // Both stores get the same operation; the closures draw from rng only before this point.
            var m = await action(mem);
            var r = await action(red);
            Assert.True(m.Error == r.Error, $"step {step} {what}: memory {m.Error} ({m.Reason}) vs redis {r.Error} ({r.Reason})");
            Assert.True(m.Events.SequenceEqual(r.Events), $"step {step} {what}:\nmemory {string.Join("\n  ", m.Events)}\nredis  {string.Join("\n  ", r.Events)}");
            foreach (var e in m.Events)
            {
                if (e.Kind == RoutingEventKind.Offered)
                {
                    offers.Add((e.CallId!, e.AgentId!));
                }
            }

            if (offers.Count > 40)
            {
                offers.RemoveRange(0, 20);
            }
        }

        foreach (var q in queues[..3])
        {
            var sm = (await mem.GetQueueSnapshotAsync(q))!;
            var sr = (await red.GetQueueSnapshotAsync(q))!;
            Assert.Equal(sm with { AgentsByState = sr.AgentsByState, EffectiveStaff = sr.EffectiveStaff }, sr);
            Assert.Equal(sm.AgentsByState.OrderBy(p => p.Key), sr.AgentsByState.OrderBy(p => p.Key));
            Assert.Equal(sm.EffectiveStaff, sr.EffectiveStaff, 9);
        }

        foreach (var a in agents)
        {
            Assert.Equal(await mem.GetAgentAsync(a), await red.GetAgentAsync(a));
        }

        foreach (var c in calls)
        {
            var pm = await mem.GetCallPositionAsync(c);
            var pr = await red.GetCallPositionAsync(c);
            Assert.Equal(pm is null, pr is null);
            if (pm is not null)
            {
                Assert.Equal(pm with { EffectiveStaff = pr!.EffectiveStaff }, pr);
            }
        }
    }
}
