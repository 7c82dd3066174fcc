using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Ivr.Simulation;
using BenchmarkDotNet.Attributes;
using Stateless;

namespace Acd.Benchmarks.Ivr;

/// <summary>
/// IVR engine throughput and memory. Transitions per second = transitions per operation / time per operation
/// (see benchmarks/results/ivr.md). Run: dotnet run -c Release --project benchmarks/Acd.Benchmarks -- --filter '*IvrEngine*' --job short
/// </summary>
[MemoryDiagnoser]
public class IvrEngineBenchmarks
{
    private IvrScript _sample = null!;
    private IvrEngine _engine = null!;
    private IvrMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sample = IvrBenchSupport.LoadSample();
        _metrics = new IvrMetrics();
        _engine = new IvrEngine(new VirtualTimeProvider(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero)), _metrics);
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    /// <summary>One whole call through the sample script: welcome, hours check, menu 1, account 123456#, EWT check, queue (5 transitions + done).</summary>
    [Benchmark]
    public async Task<IvrOutcome> SampleCall_Billing()
    {
        var caller = new InstantCaller(["1", "123456#"]);
        var session = _engine.CreateSession(_sample, new IvrCallInfo("bench", "+15551234567", "100"), caller, caller, caller);
        return (await session.RunAsync()).Outcome;
    }

    /// <summary>Baseline for set-up cost: building one call's Stateless machine from the compiled script.</summary>
    [Benchmark]
    public object CreateMachineOnly()
    {
        var state = _sample.Start;
        return IvrMachineFactory.Create(_sample, () => state, s => state = s, static _ => { }, includeHangup: true);
    }

    /// <summary>Load, validate and compile the sample script (once per reload, not per call).</summary>
    [Benchmark]
    public IvrScript? LoadSampleScript()
    {
        var scripts = Path.Combine(IvrBenchSupport.RepoRoot(), "ivr-scripts");
        return IvrScriptLoader.LoadFile(Path.Combine(scripts, "customer-service.yaml"), IvrPromptLibrary.FromDirectory(Path.Combine(scripts, "prompts")), DateTimeOffset.UtcNow).Script;
    }
}

/// <summary>Starting 1,000 calls that wait in the main menu (timers armed), then hanging them all up.</summary>
[MemoryDiagnoser]
public class IvrActiveCallsBenchmarks
{
    private IvrScript _sample = null!;
    private IvrEngine _engine = null!;
    private IvrMetrics _metrics = null!;
    private VirtualTimeProvider _clock = null!;

    [Params(1000)]
    public int Calls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sample = IvrBenchSupport.LoadSample();
        _metrics = new IvrMetrics();
        _clock = new VirtualTimeProvider(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero));
        _engine = new IvrEngine(_clock, _metrics);
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark]
    public async Task StartAndHangUp1000Calls()
    {
        var sessions = new IvrSession[Calls];
        var runs = new Task<IvrResult>[Calls];
        for (var i = 0; i < Calls; i++)
        {
            sessions[i] = _engine.CreateSession(_sample, new IvrCallInfo("c" + i, "+15551234567", "100"), WaitingCaller.Instance, WaitingCaller.Instance);
            runs[i] = sessions[i].RunAsync();
        }

        foreach (var session in sessions)
        {
            session.Hangup();
        }

        await Task.WhenAll(runs);
    }
}

/// <summary>
/// Transitions per second: one call doing 102 transitions (menu -> set -> menu x 50, then queue) against a baseline
/// of 102 bare Stateless transitions (queued mode, async entry actions) in the same run.
/// </summary>
[MemoryDiagnoser]
public class IvrTransitionBenchmarks
{
    /// <summary>Menu re-entries per call (each is 2 transitions: menu -> again -> menu).</summary>
    public const int LoopRounds = 50;

    private IvrScript _loop = null!;
    private IvrEngine _engine = null!;
    private IvrMetrics _metrics = null!;
    private string[] _entries = null!;
    private StateMachine<int, string> _bare = null!;
    private int _bareState;

    [GlobalSetup]
    public void Setup()
    {
        _loop = IvrBenchSupport.LoadLoop();
        _metrics = new IvrMetrics();
        _engine = new IvrEngine(new VirtualTimeProvider(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero)), _metrics);
        _entries = [.. Enumerable.Repeat("9", LoopRounds), "1"];
        _bare = new StateMachine<int, string>(() => _bareState, s => _bareState = s, FiringMode.Queued);
        _bare.Configure(0).Permit("go", 1).OnEntryAsync(() => Task.CompletedTask, "a");
        _bare.Configure(1).Permit("go", 0).OnEntryAsync(() => Task.CompletedTask, "b");
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> BareStateless_102Transitions()
    {
        for (var i = 0; i < (2 * LoopRounds) + 2; i++)
        {
            await _bare.FireAsync("go");
        }

        return _bareState;
    }

    [Benchmark]
    public async Task<IvrOutcome> IvrCall_102Transitions()
    {
        var caller = new InstantCaller(_entries);
        var session = _engine.CreateSession(_loop, new IvrCallInfo("bench", "+15551234567", "100"), caller, caller, caller);
        return (await session.RunAsync()).Outcome;
    }
}
