using System.Globalization;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Pacing;
using Acd.Dialer.Simulation;

namespace Acd.Benchmarks.Dialer;

/// <summary>
/// <c>dialer-sim [agents] [answerRate] [handleSeconds] [hours] [seed]</c>: runs the discrete-event dialer simulator
/// for every automatic dial mode on the same world and prints a markdown table (abandon rate over the regulatory
/// window and per hour, occupancy, connects per agent-hour, agent idle between calls, mean dial level).
/// </summary>
public sealed class DialerSimTool : IBenchTool
{
    public string Name => "dialer-sim";

    public string Description => "Dialer simulator: progressive/power/predictive on virtual time (agents answerRate handleSeconds hours seed)";

    public int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var inv = CultureInfo.InvariantCulture;
        var options = new SimulationOptions
        {
            Agents = args.Length > 0 ? int.Parse(args[0], inv) : 50,
            HumanAnswerRate = args.Length > 1 ? double.Parse(args[1], inv) : 0.30,
            HandleMeanSeconds = args.Length > 2 ? double.Parse(args[2], inv) : 180,
            Duration = TimeSpan.FromHours(args.Length > 3 ? double.Parse(args[3], inv) : 8),
            Seed = args.Length > 4 ? int.Parse(args[4], inv) : 1,
        };
        var campaign = new CampaignConfig
        {
            Id = "sim",
            CallerId = "+12025550100",
            Queue = "sales",
            Trunks = ["sim"],
            AbandonMessage = "abandon",
            AbandonWindow = AbandonWindows.Ofcom,
        };

        Console.WriteLine(string.Create(inv, $"dialer-sim: {options.Agents} agents, human answer {options.HumanAnswerRate:P0}, machine {options.MachineRate:P0}, busy {options.BusyRate:P0}, ring {options.RingMinSeconds}-{options.RingMaxSeconds} s, handle {options.HandleMeanSeconds} s (log-normal sigma {options.HandleSigma}), {options.Duration.TotalHours} h, seed {options.Seed}, cap {campaign.MaxAbandonRate:P0} target {campaign.TargetAbandonRate:P0}"));
        Console.WriteLine();
        Console.WriteLine("| mode | dials | live answered | abandoned | abandon rate (24 h window) | worst hour | occupancy | connects/agent-hour | mean agent idle between calls (s) | mean dial level |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var results = new List<SimulationResult>();
        foreach (IPacingPolicy policy in new IPacingPolicy[] { new ProgressivePacing(), new PowerPacing(), new PredictivePacing() })
        {
            var config = policy is PowerPacing ? campaign with { Mode = DialMode.Power, PowerLinesPerAgent = 2 } : campaign;
            var result = new DialerSimulator(options, config, policy).Run();
            results.Add(result);
            Console.WriteLine(DialerSimulator.Row(result));
        }

        var progressive = results[0];
        var predictive = results[^1];
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"predictive vs progressive: occupancy x{predictive.Occupancy / progressive.Occupancy:F2}, connects/agent-hour x{predictive.ConnectsPerAgentHour / progressive.ConnectsPerAgentHour:F2}, idle x{predictive.MeanAgentIdleSeconds / Math.Max(0.001, progressive.MeanAgentIdleSeconds):F2}"));
        Console.WriteLine("per-hour abandon rate (predictive): " + string.Join(", ", predictive.Hours.Select(h => string.Create(inv, $"h{h.Start.TotalHours:F0} {h.Ratio:P2}"))));
        var goal = predictive.Regulatory.Ratio <= 0.03 && predictive.WorstHourRatio <= 0.03 && predictive.Occupancy >= 0.85;
        Console.WriteLine(goal ? "goal met: abandon <= 3% in every window, occupancy >= 85%" : "goal NOT met");
        return goal ? 0 : 1;
    }
}
