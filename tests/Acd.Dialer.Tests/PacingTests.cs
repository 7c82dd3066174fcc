using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Pacing;

namespace Acd.Dialer.Tests;

public sealed class PacingTests
{
    private static PacingStatistics Stats(double answerRate, int dials = 400, double handleSeconds = 180)
    {
        var stats = new PacingStatistics(TimeSpan.FromSeconds(handleSeconds), TimeSpan.FromSeconds(8));
        var humans = (int)Math.Round(dials * answerRate);
        for (var i = 0; i < dials; i++)
        {
            stats.RecordDial(human: i < humans, machine: false, TimeSpan.FromSeconds(8));
        }

        for (var i = 0; i < 200; i++)
        {
            stats.RecordHandle(TimeSpan.FromSeconds(handleSeconds * (0.5 + (i / 200.0))));
        }

        for (var i = 0; i < 150; i++)
        {
            stats.RecordLiveOutcome(abandoned: i % 50 == 0); // 2% recently: on target
        }

        return stats;
    }

    private static PacingInput Input(int free, int inProgress = 0, double answerRate = 0.3, AbandonSnapshot? abandons = null, IReadOnlyList<TimeSpan>? busy = null, CampaignConfig? campaign = null) => new()
    {
        Campaign = campaign ?? TestData.Campaign(),
        FreeAgents = free,
        LinesInProgress = inProgress,
        BusyAgentsElapsed = busy ?? [],
        Statistics = Stats(answerRate),
        Abandons = abandons ?? new AbandonSnapshot(10_000, 100, AbandonWindows.Fcc),
    };

    [Fact]
    public void Progressive_FreeAgentsMinusLinesInProgress()
    {
        var policy = new ProgressivePacing();

        Assert.Equal(7, policy.Decide(Input(free: 10, inProgress: 3)).NewLines);
        Assert.Equal(0, policy.Decide(Input(free: 2, inProgress: 5)).NewLines);
        Assert.Equal(0, policy.Decide(Input(free: 0)).NewLines);
    }

    [Fact]
    public void Power_FixedLinesPerAgent()
    {
        var policy = new PowerPacing();
        var campaign = TestData.Campaign(DialMode.Power) with { PowerLinesPerAgent = 2.5 };

        Assert.Equal(25, policy.Decide(Input(free: 10, campaign: campaign)).NewLines);
        Assert.Equal(20, policy.Decide(Input(free: 10, inProgress: 5, campaign: campaign)).NewLines);
    }

    [Fact]
    public void Preview_NeverDials()
    {
        Assert.Equal(0, new PreviewPacing().Decide(Input(free: 50)).NewLines);
    }

    [Fact]
    public void Agentless_KeepsBroadcastLinesUp()
    {
        var campaign = TestData.Campaign(DialMode.Agentless) with { BroadcastLines = 30 };

        Assert.Equal(18, new AgentlessPacing().Decide(Input(free: 0, inProgress: 12, campaign: campaign)).NewLines);
    }

    [Fact]
    public void Predictive_LowAnswerRate_DialsMoreThanOneLinePerAgent()
    {
        var decision = new PredictivePacing().Decide(Input(free: 10, answerRate: 0.3));

        Assert.InRange(decision.NewLines, 20, 40);
        Assert.True(decision.DialLevel > 2, decision.Reason);
    }

    [Fact]
    public void Predictive_HigherAnswerRate_FewerLines()
    {
        var policy = new PredictivePacing();

        var low = policy.Decide(Input(free: 10, answerRate: 0.2)).NewLines;
        var high = policy.Decide(Input(free: 10, answerRate: 0.6)).NewLines;

        Assert.True(high < low, $"{high} >= {low}");
    }

    [Fact]
    public void Predictive_NobodyFreeNobodyReleasing_DialsNothing()
    {
        var busy = Enumerable.Repeat(TimeSpan.FromSeconds(1), 20).ToArray();

        Assert.Equal(0, new PredictivePacing().Decide(Input(free: 0, busy: busy)).NewLines);
    }

    [Fact]
    public void Predictive_BusyAgentsNearTheirEnd_DialsAheadOfThem()
    {
        var policy = new PredictivePacing();
        var fresh = Enumerable.Repeat(TimeSpan.FromSeconds(5), 20).ToArray();
        var ending = Enumerable.Repeat(TimeSpan.FromSeconds(250), 20).ToArray();

        var forFresh = policy.Decide(Input(free: 0, busy: fresh)).NewLines;
        var forEnding = policy.Decide(Input(free: 0, busy: ending)).NewLines;

        Assert.True(forEnding > forFresh, $"{forEnding} <= {forFresh}");
    }

    [Fact]
    public void Predictive_AbandonRateNearCap_FallsBackToProgressive()
    {
        var near = new AbandonSnapshot(1000, 28, AbandonWindows.Fcc); // 2.8% > 0.9 * 3%

        var decision = new PredictivePacing().Decide(Input(free: 10, abandons: near));

        Assert.Equal(10, decision.NewLines);
        Assert.Contains("progressive", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Predictive_EmptyWindow_ProgressiveUntilOneAbandonFits()
    {
        var start = new PredictivePacing().Decide(Input(free: 10, abandons: new AbandonSnapshot(0, 0, AbandonWindows.Fcc)));
        var warmed = new PredictivePacing().Decide(Input(free: 10, abandons: new AbandonSnapshot(100, 0, AbandonWindows.Fcc)));

        Assert.Equal(10, start.NewLines);
        Assert.True(warmed.NewLines > 10);
    }

    [Fact]
    public void Predictive_WindowAboveTarget_DialsLessThanBelowTarget()
    {
        var policy = new PredictivePacing();

        var under = policy.Decide(Input(free: 20, abandons: new AbandonSnapshot(10_000, 50, AbandonWindows.Fcc))).NewLines;
        var over = policy.Decide(Input(free: 20, abandons: new AbandonSnapshot(10_000, 250, AbandonWindows.Fcc))).NewLines;

        Assert.True(over < under, $"{over} >= {under}");
    }

    [Fact]
    public void Power_NearCap_FallsBackToProgressive()
    {
        var campaign = TestData.Campaign(DialMode.Power);

        var decision = new PowerPacing().Decide(Input(free: 4, campaign: campaign, abandons: new AbandonSnapshot(100, 3, AbandonWindows.Fcc)));

        Assert.Equal(4, decision.NewLines);
    }

    [Theory]
    [InlineData(10, 0.3)]
    [InlineData(300, 0.3)]
    [InlineData(2000, 0.05)]
    [InlineData(5, 1.0)]
    public void Binomial_AnyN_SumsToOneWithMeanNp(int n, double p)
    {
        var pmf = new double[n + 1];

        PredictivePacing.Binomial(n, p, pmf);

        Assert.Equal(1.0, pmf.Sum(), 6);
        Assert.Equal(n * p, pmf.Select((v, k) => v * k).Sum(), 4);
    }

    [Fact]
    public void ExpectedExcess_KnownCase_MatchesHandComputation()
    {
        // X ~ Binomial(2, 0.5): P = 1/4, 1/2, 1/4. One agent: E[(X-1)+] = 1/4.
        var pmf = new double[3];
        PredictivePacing.Binomial(2, 0.5, pmf);

        Assert.Equal(0.25, PredictivePacing.ExpectedExcess(pmf, 2, 1, [1.0]), 10);
        Assert.Equal(1.0, PredictivePacing.ExpectedExcess(pmf, 2, 0, [1.0]), 10);
        Assert.Equal(0.625, PredictivePacing.ExpectedExcess(pmf, 2, 0, [0.5, 0.5]), 10); // half the time no agent (1), half one (1/4)
    }

    [Fact]
    public void ReleaseProbability_FromObservedHandleTimes_ConditionalOnElapsed()
    {
        var stats = new PacingStatistics(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(8));
        Assert.Equal(0, stats.ReleaseProbability(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10))); // prior: nobody ends in the first half
        for (var i = 1; i <= 200; i++)
        {
            stats.RecordHandle(TimeSpan.FromSeconds(i / 2.0)); // uniform 0.5..100 s
        }

        Assert.Equal(0.1, stats.ReleaseProbability(TimeSpan.Zero, TimeSpan.FromSeconds(10)), 6);
        Assert.Equal(0.5, stats.ReleaseProbability(TimeSpan.FromSeconds(80), TimeSpan.FromSeconds(10)), 6);
        Assert.Equal(1.0, stats.ReleaseProbability(TimeSpan.FromSeconds(95), TimeSpan.FromSeconds(10)), 6);
    }

    [Fact]
    public void AllowedFraction_BeforeRecentOutcomes_JustTheTarget()
    {
        var input = Input(free: 10) with { Statistics = new PacingStatistics(TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(8)) };

        Assert.Equal(0.02, PredictivePacing.AllowedFraction(input), 10);
        Assert.Equal(0.027, PredictivePacing.AllowedFraction(Input(free: 10, abandons: new AbandonSnapshot(10_000, 0, AbandonWindows.Fcc))), 10);
    }

    [Fact]
    public void RecordDial_ByCohort_CountedOnlyWhenTheCohortHasMatured()
    {
        var stats = new PacingStatistics(TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(8));
        var t0 = TestData.Utc(2026, 7, 1, 16, 0);
        for (var i = 0; i < 100; i++)
        {
            stats.RecordDial(human: true, machine: false, TimeSpan.FromSeconds(5), t0, TimeSpan.FromSeconds(30)); // answers come back first
        }

        stats.Advance(t0.AddSeconds(29));
        Assert.Equal(0, stats.Samples);
        for (var i = 0; i < 300; i++)
        {
            stats.RecordDial(human: false, machine: false, null, t0, TimeSpan.FromSeconds(30)); // ring-outs of the same cohort
        }

        stats.Advance(t0.AddSeconds(30));
        Assert.Equal(400, stats.Samples);
        Assert.InRange(stats.HumanAnswerRate, 0.25, 0.28);
    }

    [Fact]
    public void HumanAnswerRate_NoData_CautiousPriorThenData()
    {
        var stats = new PacingStatistics(TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(8));
        Assert.Equal(0.5, stats.HumanAnswerRate, 6);

        for (var i = 0; i < 500; i++)
        {
            stats.RecordDial(human: i % 10 == 0, machine: i % 10 == 1, null);
        }

        Assert.InRange(stats.HumanAnswerRate, 0.1, 0.12);
        Assert.InRange(stats.MachineRate, 0.09, 0.11);
    }
}
