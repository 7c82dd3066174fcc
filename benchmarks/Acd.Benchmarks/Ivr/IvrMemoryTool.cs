using System.Diagnostics;
using System.Globalization;
using Acd.Ivr.Runtime;
using Acd.Ivr.Simulation;

namespace Acd.Benchmarks.Ivr;

/// <summary>
/// Retained memory per active IVR call: starts N calls that wait in the sample script's main menu (prompt played,
/// timeout timer armed), measures the managed heap growth, then hangs them all up and checks it is released.
/// A second round shows whether anything is left behind per call.
/// <c>dotnet run -c Release --project benchmarks/Acd.Benchmarks -- ivr-memory [calls=10000] [rounds=2]</c>
/// </summary>
public sealed class IvrMemoryTool : IBenchTool
{
    public string Name => "ivr-memory";

    public string Description => "retained bytes per active IVR call waiting in a menu (arg: calls, default 10000)";

    public int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        var failed = 0;
        var start = GC.GetTotalMemory(forceFullCollection: true);
        for (var round = 1; round <= rounds; round++)
        {
            Console.WriteLine($"-- round {round}");
            failed += RunAsync(calls).GetAwaiter().GetResult();
            Console.WriteLine($"heap vs. before round 1  {GC.GetTotalMemory(forceFullCollection: true) - start:N0} bytes");
        }

        return failed == 0 ? 0 : 1;
    }

    private static async Task<int> RunAsync(int calls)
    {
        var script = IvrBenchSupport.LoadSample();
        using var metrics = new IvrMetrics();
        var clock = new VirtualTimeProvider(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero));
        var engine = new IvrEngine(clock, metrics);

        // Warm up code paths so JIT and static data are not counted.
        var warm = engine.CreateSession(script, new IvrCallInfo("warm", "1", "100"), WaitingCaller.Instance, WaitingCaller.Instance);
        var warmRun = warm.RunAsync();
        warm.Hangup();
        await warmRun;

        var sessions = new IvrSession[calls];
        var runs = new Task<IvrResult>[calls];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            sessions[i] = engine.CreateSession(script, new IvrCallInfo("c" + i.ToString(CultureInfo.InvariantCulture), "+15551234567", "100"), WaitingCaller.Instance, WaitingCaller.Instance);
            runs[i] = sessions[i].RunAsync();
        }

        var started = watch.Elapsed;
        var waiting = sessions.Count(s => s.CurrentNode == "main_menu");
        var during = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var session in sessions)
        {
            session.Hangup();
        }

        await Task.WhenAll(runs);
        var hungUp = runs.Count(r => r.Result.Outcome is IvrCallerHangupOutcome);
        Array.Clear(sessions);
        Array.Clear(runs);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Console.WriteLine($"calls started            {calls:N0} in {started.TotalMilliseconds:0.0} ms ({calls / started.TotalSeconds:N0} calls/s)");
        Console.WriteLine($"waiting in main_menu     {waiting:N0}");
        Console.WriteLine($"retained per active call {(during - before) / (double)calls:N0} bytes");
        Console.WriteLine($"caller hang-ups          {hungUp:N0}");
        Console.WriteLine($"heap after hang-up       {after - before:N0} bytes above the start");
        return waiting == calls && hungUp == calls ? 0 : 1;
    }
}
