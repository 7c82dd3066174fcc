using System.Diagnostics;
using System.Globalization;
using Acd.Routing;
using Acd.Routing.Redis;
using Acd.Testing.Redis;
using StackExchange.Redis;
using Acd.Benchmarks.Shared;

namespace Acd.Benchmarks.Routing;

/// <summary>
/// Routing decision latency percentiles (call arrives -> agent chosen; agent frees -> call chosen) on the in-memory
/// and the Redis store (a redis-server it starts on loopback, AOF on), with a bare Redis PING measured in the same
/// run as the baseline. Usage: routing-latency [--agents 1000] [--waiting 1000,10000,100000] [--iterations 20000]
/// [--redis-iterations 5000] [--store both|memory|redis]
/// </summary>
public sealed class RoutingLatencyTool : IBenchTool
{
    public string Name => "routing-latency";

    public string Description => "Routing decision latency p50/p99/p99.9, in-memory and Redis, vs waiting calls; Redis PING baseline";

    public int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var agents = ToolArgs.Option(args, "--agents", "1000").Split(',').Select(int.Parse).Single();
        var waitingList = ToolArgs.Option(args, "--waiting", "1000,10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var iterations = int.Parse(ToolArgs.Option(args, "--iterations", "20000"), CultureInfo.InvariantCulture);
        var redisIterations = int.Parse(ToolArgs.Option(args, "--redis-iterations", "5000"), CultureInfo.InvariantCulture);
        var which = ToolArgs.Option(args, "--store", "both");

        Console.WriteLine($"# routing-latency {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, {agents} agents, {RoutingScenario.Skills} skills");
        Console.WriteLine();
        Console.WriteLine("| store | waiting calls | decision | n | p50 us | p99 us | p99.9 us | max us |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");
        if (which is "both" or "memory")
        {
            foreach (var waiting in waitingList)
            {
                var store = new InMemoryQueueStore(TimeProvider.System, new Random(1));
                await Measure("memory", store, agents, waiting, iterations);
            }
        }

        if (which is "both" or "redis")
        {
            await using var server = await RedisServer.StartAsync();
            await using var mux = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
            foreach (var waiting in waitingList)
            {
                var options = new RedisRoutingOptions { KeyPrefix = "{bench" + waiting.ToString(CultureInfo.InvariantCulture) + "}:" };
                var store = new RedisQueueStore(mux, options, TimeProvider.System, new Random(1));
                await Measure("redis", store, agents, waiting, redisIterations);
                var db = mux.GetDatabase();
                var ping = new double[redisIterations];
                for (var i = 0; i < 500; i++)
                {
                    await db.PingAsync();
                }

                for (var i = 0; i < ping.Length; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await db.PingAsync();
                    ping[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                }

                Row("redis PING (baseline)", waiting, "PING", ping);
                var stats = (await mux.GetServer(mux.GetEndPoints()[0]).InfoAsync("commandstats")).SelectMany(g => g)
                    .FirstOrDefault(p => p.Key == "cmdstat_evalsha").Value;
                Console.WriteLine($"|  | {waiting} | server-side EVALSHA (INFO commandstats, setup and undo included) | {stats} | | | | |");
                await mux.GetServer(mux.GetEndPoints()[0]).ConfigResetStatisticsAsync();
                await server.FlushAsync();
            }
        }

        return 0;
    }

    private static async Task Measure(string name, IQueueStore store, int agents, int waiting, int iterations)
    {
        var scenario = new RoutingScenario(store, agents);
        await scenario.SetUpAsync(waiting);
        var warmup = Math.Min(1000, iterations / 5);
        var arrive = new double[iterations];
        for (var i = -warmup; i < iterations; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var r = await scenario.CallArrives();
            var us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            await scenario.UndoCallArrives(r);
            if (i >= 0)
            {
                arrive[i] = us;
            }
        }

        Row(name, waiting, "call arrives -> agent", arrive);
        var frees = new double[iterations];
        for (var i = -warmup; i < iterations; i++)
        {
            var agent = scenario.NextBusyAgent();
            var t0 = Stopwatch.GetTimestamp();
            var r = await scenario.AgentFrees(agent);
            var us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            await scenario.UndoAgentFrees(r);
            if (i >= 0)
            {
                frees[i] = us;
            }
        }

        Row(name, waiting, "agent frees -> call", frees);
    }

    private static void Row(string store, int waiting, string decision, double[] samples)
    {
        Array.Sort(samples);
        static double P(double[] s, double q) => s[Math.Min(s.Length - 1, (int)Math.Ceiling(q * s.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {store} | {waiting} | {decision} | {samples.Length} | {P(samples, 0.50):F1} | {P(samples, 0.99):F1} | {P(samples, 0.999):F1} | {samples[^1]:F1} |"));
    }
}
