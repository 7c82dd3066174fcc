using System.Diagnostics;
using System.Globalization;
using Acd.Testing.Sip;

namespace Acd.Benchmarks.Sip;

/// <summary>
/// <c>-- sip-fuzz [inputs=1000000] [seed=4475]</c>: mutation-fuzzes the SIP parser, typed accessors, URI parser,
/// validator, writer and stream framer; exit code 1 when any input produced something other than an error value.
/// </summary>
public sealed class SipFuzzTool : IBenchTool
{
    public string Name => "sip-fuzz";

    public string Description => "mutation fuzzing of the SIP message layer: [inputs=1000000] [seed=4475]";

    public int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var inputs = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4475;
        var fuzzer = new SipFuzzer(SipFuzzer.DefaultSeeds(), seed);
        var clock = Stopwatch.StartNew();
        var report = fuzzer.Run(inputs, done => Console.WriteLine($"  {done:N0} inputs, {clock.Elapsed.TotalSeconds:F0} s"));
        Console.WriteLine($"sip-fuzz seed={seed} inputs={report.Inputs:N0} parsed={report.Parsed:N0} rejected={report.Rejected:N0} " +
                          $"frames={report.Frames:N0} findings={report.Findings} time={clock.Elapsed.TotalSeconds:F1} s");
        foreach (var finding in report.FirstFindings)
        {
            Console.WriteLine("FINDING " + finding);
        }

        return report.Findings == 0 ? 0 : 1;
    }
}
