using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Media.Amd;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Dialer;

/// <summary>Cost of the dialer's hot decisions: one predictive pacing decision (50 agents), one AMD and beep frame, CSV import per row.</summary>
[MemoryDiagnoser]
public class DialerBenchmarks
{
    private readonly PredictivePacing _predictive = new();
    private readonly short[] _frame = new short[160];
    private PacingInput _input = null!;
    private readonly AmdOptions _amdOptions = new() { TotalAnalysisTimeMs = 60_000, GreetingMs = 30_000, MaximumWordLengthMs = 60_000, MaximumNumberOfWords = 100 };
    private BeepDetector _beep = null!;
    private string _csv = "";

    [GlobalSetup]
    public void Setup()
    {
        var stats = new PacingStatistics(TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(8));
        var random = new Random(1);
        for (var i = 0; i < 512; i++)
        {
            stats.RecordDial(random.NextDouble() < 0.3, false, TimeSpan.FromSeconds(8));
            stats.RecordHandle(TimeSpan.FromSeconds(60 + random.Next(240)));
        }

        _input = new PacingInput
        {
            Campaign = new CampaignConfig { Id = "b", CallerId = "+12025550100", Queue = "q", Trunks = ["t"], AbandonMessage = "m" },
            FreeAgents = 5,
            BusyAgentsElapsed = Enumerable.Range(0, 45).Select(i => TimeSpan.FromSeconds(i * 5)).ToArray(),
            LinesInProgress = 8,
            Statistics = stats,
            Abandons = new AbandonSnapshot(5000, 90, AbandonWindows.Fcc),
        };
        for (var i = 0; i < _frame.Length; i++)
        {
            _frame[i] = (short)random.Next(-6000, 6000);
        }

        _beep = new BeepDetector(new BeepOptions());
        _csv = "id,phone,name\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i},+1202555{i % 10000:D4},\"Name {i}\"\n"));
    }

    [Benchmark]
    public int PredictiveDecision() => _predictive.Decide(_input).NewLines;

    /// <summary>Two seconds of audio (100 frames of 20 ms) through a fresh detector that reaches no verdict: the work per answered call.</summary>
    [Benchmark]
    public AmdResult? AmdTwoSeconds()
    {
        var amd = new AnsweringMachineDetector(_amdOptions);
        AmdResult? result = null;
        for (var i = 0; i < 100; i++)
        {
            result = amd.Feed(_frame);
        }

        return result;
    }

    [Benchmark]
    public Beep? BeepFrame() => _beep.Feed(_frame);

    /// <summary>1,000 rows, normalised to E.164 with time zones.</summary>
    [Benchmark]
    public int ImportThousandRows() => LeadCsvImporter.Import(_csv, new LeadImportOptions()).Leads.Count;
}
