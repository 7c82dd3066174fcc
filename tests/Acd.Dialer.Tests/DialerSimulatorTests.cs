using Acd.Dialer.Campaigns;
using Acd.Dialer.Pacing;
using Acd.Dialer.Simulation;

namespace Acd.Dialer.Tests;

/// <summary>Functional checks of the simulator and of predictive pacing inside it (not timings: figures are in benchmarks/results/dialer.md).</summary>
public sealed class DialerSimulatorTests
{
    private static readonly SimulationOptions World = new() { Agents = 20, Duration = TimeSpan.FromHours(2), Seed = 3 };

    private static SimulationResult Run(IPacingPolicy policy, SimulationOptions? world = null) =>
        new DialerSimulator(world ?? World, TestData.Campaign() with { AbandonWindow = AbandonWindows.Ofcom }, policy).Run();

    [Fact]
    public void Run_SameSeed_SameResult()
    {
        var a = Run(new PredictivePacing());
        var b = Run(new PredictivePacing());

        Assert.Equal((a.Dials, a.LiveAnswered, a.Abandoned), (b.Dials, b.LiveAnswered, b.Abandoned));
    }

    [Fact]
    public void Run_Progressive_NeverAbandons()
    {
        var result = Run(new ProgressivePacing());

        Assert.Equal(0, result.Abandoned);
        Assert.True(result.LiveAnswered > 100);
    }

    [Fact]
    public void Run_Predictive_UnderCapAndBusierThanProgressive()
    {
        var progressive = Run(new ProgressivePacing());
        var predictive = Run(new PredictivePacing());

        Assert.True(predictive.Regulatory.Ratio <= 0.03, $"abandon {predictive.Regulatory.Ratio:P2}");
        Assert.True(predictive.Occupancy > progressive.Occupancy, $"{predictive.Occupancy:P1} <= {progressive.Occupancy:P1}");
        Assert.True(predictive.MeanAgentIdleSeconds < progressive.MeanAgentIdleSeconds);
    }

    [Fact]
    public void Run_Predictive_HighAnswerRate_StillUnderCap()
    {
        var result = Run(new PredictivePacing(), World with { HumanAnswerRate = 0.7, MachineRate = 0.1 });

        Assert.True(result.Regulatory.Ratio <= 0.03, $"abandon {result.Regulatory.Ratio:P2}");
    }
}
