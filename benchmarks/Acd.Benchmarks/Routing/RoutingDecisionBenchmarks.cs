using Acd.Routing;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Routing;

/// <summary>In-memory routing decisions at 1,000 agents, 50 skills, 10,000 waiting calls (each op includes its untimed undo).</summary>
[MemoryDiagnoser]
public class RoutingDecisionBenchmarks
{
    private RoutingScenario _scenario = null!;

    [Params(10_000)]
    public int Waiting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scenario = new RoutingScenario(new InMemoryQueueStore(TimeProvider.System, new Random(1)), 1000);
        _scenario.SetUpAsync(Waiting).GetAwaiter().GetResult();
    }

    /// <summary>Call arrives -> agent chosen, then accept and end (agent free again).</summary>
    [Benchmark]
    public void CallArrivesAcceptEnd()
    {
        var r = _scenario.CallArrives().GetAwaiter().GetResult();
        _scenario.UndoCallArrives(r).GetAwaiter().GetResult();
    }

    /// <summary>Agent frees -> call chosen, then accept and refill the queue with a new call.</summary>
    [Benchmark]
    public void AgentFreesAcceptRefill()
    {
        var r = _scenario.AgentFrees(_scenario.NextBusyAgent()).GetAwaiter().GetResult();
        _scenario.UndoAgentFrees(r).GetAwaiter().GetResult();
    }
}
