using System.Collections.Concurrent;
using Acd.Routing;
using Acd.Routing.Redis;
using StackExchange.Redis;
using Xunit;

namespace Acd.Routing.Tests;

/// <summary>
/// Several routers hammer one queue set. Each worker handles the offers its own decisions produced (accept, then
/// end; every seventh rejected). Invariants: no agent ever holds two calls, no call is answered twice, none is lost.
/// </summary>
public sealed class ConcurrencyTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    private static RoutingConfig Config(int agents)
    {
        var queues = new[] { Cfg.Queue("sales"), Cfg.Queue("support", "support"), Cfg.Queue("billing", "billing") };
        var skills = new[] { "sales", "support", "billing" };
        var list = new List<AgentConfig>();
        for (var i = 0; i < agents; i++)
        {
            list.Add(Cfg.Agent($"a{i:D3}", (skills[i % 3], 1 + (i % 10)), (skills[(i + 1) % 3], 5)));
        }

        return Cfg.Config(queues, [.. list]) with { RingNoAnswerLimit = 1000 };
    }

    [Fact]
    public async Task Hammer_InMemoryThreads_NoDoubleAssignmentNoLoss()
    {
        var store = new InMemoryQueueStore(TimeProvider.System);
        await Hammer(Enumerable.Repeat<IQueueStore>(store, 8).ToArray(), calls: 4000, agents: 30);
    }

    [Fact]
    public async Task Hammer_RedisSeparateConnections_NoDoubleAssignmentNoLoss()
    {
        var options = RedisStoreFixture.UniqueOptions();
        var connections = new List<ConnectionMultiplexer>();
        try
        {
            var stores = new List<IQueueStore>();
            for (var i = 0; i < 4; i++)
            {
                var mux = await ConnectionMultiplexer.ConnectAsync(fixture.Server.ConnectionString);
                connections.Add(mux);
                stores.Add(new RedisQueueStore(mux, options, TimeProvider.System));
            }

            await Hammer(stores.ToArray(), calls: 800, agents: 20);
        }
        finally
        {
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }
        }
    }

    internal static async Task Hammer(IQueueStore[] stores, int calls, int agents, Func<Task>? midRun = null)
    {
        var config = Config(agents);
        Assert.Empty(await stores[0].LoadAsync(config));
        var onCall = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var answered = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var violations = new ConcurrentQueue<string>();
        var rejects = 0;
        var initial = new ConcurrentQueue<RoutingEvent>();
        foreach (var a in config.Agents)
        {
            foreach (var o in (await stores[0].SetAgentStateAsync(a.Id, AgentState.Available)).Offers)
            {
                initial.Enqueue(o);
            }
        }

        var queues = config.Queues.Select(q => q.Name).ToArray();
        var perWorker = calls / stores.Length;
        var workers = stores.Select((store, w) => Task.Run(async () =>
        {
            var pending = new Queue<RoutingEvent>();
            async Task Drain()
            {
                while (pending.TryDequeue(out var offer))
                {
                    var call = offer.CallId!;
                    var agent = offer.AgentId!;
                    if (Interlocked.Increment(ref rejects) % 7 == 0)
                    {
                        Take(await store.CompleteReservationAsync(call, agent, ReservationOutcome.Rejected), pending, violations);
                        continue;
                    }

                    var accept = await store.CompleteReservationAsync(call, agent, ReservationOutcome.Accepted);
                    if (!accept.Succeeded)
                    {
                        violations.Enqueue($"accept {call} by {agent} failed: {accept.Reason}");
                        continue;
                    }

                    if (!onCall.TryAdd(agent, call))
                    {
                        violations.Enqueue($"agent {agent} got {call} while on {onCall[agent]}");
                    }

                    if (!answered.TryAdd(call, agent))
                    {
                        violations.Enqueue($"call {call} answered twice");
                    }

                    onCall.TryRemove(agent, out _);
                    Take(await store.EndCallAsync(agent), pending, violations);
                }
            }

            if (w == 0)
            {
                while (initial.TryDequeue(out var o))
                {
                    pending.Enqueue(o);
                }
            }

            for (var i = 0; i < perWorker; i++)
            {
                if (w == 0 && i == perWorker / 2 && midRun is not null)
                {
                    await midRun();
                }

                Take(await store.EnqueueAsync(Cfg.Call($"w{w}-c{i}", queues[(i + w) % queues.Length], node: "n" + w)), pending, violations);
                if (i % 3 == 0)
                {
                    await Drain();
                }
            }

            await Drain();
        })).ToArray();

        var all = Task.WhenAll(workers);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(120))));
        await all;

        Assert.Empty(violations);
        Assert.Equal(perWorker * stores.Length, answered.Count);
        long total = 0;
        foreach (var q in queues)
        {
            var s = (await stores[0].GetQueueSnapshotAsync(q))!;
            Assert.Equal(0, s.Waiting);
            total += s.Answered;
        }

        Assert.Equal(answered.Count, total);
    }

    private static void Take(RoutingResult result, Queue<RoutingEvent> pending, ConcurrentQueue<string> violations)
    {
        if (!result.Succeeded)
        {
            violations.Enqueue($"{result.Error}: {result.Reason}");
            return;
        }

        foreach (var o in result.Offers)
        {
            pending.Enqueue(o);
        }
    }
}

/// <summary>Separate processes (tests/Acd.Routing.Worker), each its own routing node, on one Redis queue set.</summary>
public sealed class MultiProcessTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Hammer_RedisSeparateProcesses_NoAgentOverlapNoDoubleAnswerNoLoss()
    {
        const int Processes = 3;
        const int CallsEach = 200;
        var options = RedisStoreFixture.UniqueOptions();
        var setup = new RedisQueueStore(fixture.Redis, options, TimeProvider.System);
        var config = Cfg.Config([Cfg.Queue("sales"), Cfg.Queue("support", "support")],
            [.. Enumerable.Range(0, 12).Select(i => Cfg.Agent($"a{i:D2}", (i % 2 == 0 ? "sales" : "support", 5), ("billing", 3)))]);
        Assert.Empty(await setup.LoadAsync(config));
        foreach (var a in config.Agents)
        {
            Assert.Empty((await setup.SetAgentStateAsync(a.Id, AgentState.Available)).Offers);
        }

        var worker = WorkerPath();
        var runs = Enumerable.Range(0, Processes).Select(async p =>
        {
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { worker, fixture.Server.ConnectionString, options.KeyPrefix, p.ToString(System.Globalization.CultureInfo.InvariantCulture), CallsEach.ToString(System.Globalization.CultureInfo.InvariantCulture), "sales,support" })
            {
                psi.ArgumentList.Add(a);
            }

            using var process = System.Diagnostics.Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await stderr);
            return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }).ToArray();
        var lines = (await Task.WhenAll(runs)).SelectMany(l => l).ToList();

        Assert.DoesNotContain(lines, l => l.StartsWith("V|", StringComparison.Ordinal));
        var answered = lines.Where(l => l.StartsWith("A|", StringComparison.Ordinal)).Select(l => l.Split('|'))
            .Select(f => (Call: f[1], Agent: f[2], Start: long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), End: long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(Processes * CallsEach, answered.Count);
        Assert.Equal(answered.Count, answered.Select(a => a.Call).Distinct(StringComparer.Ordinal).Count());
        foreach (var perAgent in answered.GroupBy(a => a.Agent))
        {
            var ordered = perAgent.OrderBy(a => a.Start).ThenBy(a => a.End).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].Start >= ordered[i - 1].End, $"agent {perAgent.Key} overlaps {ordered[i - 1].Call} and {ordered[i].Call}");
            }
        }

        Assert.Equal(0, (await setup.GetQueueSnapshotAsync("sales"))!.Waiting + (await setup.GetQueueSnapshotAsync("support"))!.Waiting);
    }

    private static string WorkerPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
        {
            dir = dir.Parent;
        }

        var config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var path = Path.Combine(dir!.FullName, "tests", "Acd.Routing.Worker", "bin", config, "net10.0", "Acd.Routing.Worker.dll");
        Assert.True(File.Exists(path), $"worker not built: {path}");
        return path;
    }
}
