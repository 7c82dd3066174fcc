using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;

namespace Acd.Dialer.Pacing;

/// <summary>What the pacer sees at one decision.</summary>
public sealed record PacingInput
{
    public required CampaignConfig Campaign { get; init; }

    /// <summary>Agents of the campaign's queue free now (not reserved, not in wrap-up).</summary>
    public required int FreeAgents { get; init; }

    /// <summary>How long each busy agent has been on their current call (talk plus wrap-up so far).</summary>
    public IReadOnlyList<TimeSpan> BusyAgentsElapsed { get; init; } = [];

    /// <summary>Calls dialed and not yet answered or failed.</summary>
    public required int LinesInProgress { get; init; }

    /// <summary>Answered live calls waiting for an agent right now (they are abandoned at the 2-second deadline).</summary>
    public int AnsweredWaiting { get; init; }

    public required PacingStatistics Statistics { get; init; }

    public required AbandonSnapshot Abandons { get; init; }
}

/// <summary>New lines to dial now, the resulting dial level (lines per agent), and why.</summary>
public readonly record struct PacingDecision(int NewLines, double DialLevel, string Reason);

/// <summary>A dial-mode policy, chosen by <see cref="Name"/> in configuration.</summary>
public interface IPacingPolicy
{
    string Name { get; }

    PacingDecision Decide(PacingInput input);
}

/// <summary>Preview: nothing is dialed automatically; the agent sees the lead and dials it.</summary>
public sealed class PreviewPacing : IPacingPolicy
{
    public string Name => "preview";

    public PacingDecision Decide(PacingInput input) => new(0, 0, "preview: agent dials");
}

/// <summary>Progressive: one line per free agent, so every answer has an agent.</summary>
public sealed class ProgressivePacing : IPacingPolicy
{
    public string Name => "progressive";

    public PacingDecision Decide(PacingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Progressive(input, "progressive");
    }

    internal static PacingDecision Progressive(PacingInput input, string reason)
    {
        var lines = Math.Max(0, input.FreeAgents - input.LinesInProgress - input.AnsweredWaiting);
        return new(lines, input.FreeAgents == 0 ? 0 : (double)(input.LinesInProgress + lines) / input.FreeAgents, reason);
    }
}

/// <summary>Power: a fixed number of lines per free agent (<see cref="CampaignConfig.PowerLinesPerAgent"/>), still under the abandon cap.</summary>
public sealed class PowerPacing : IPacingPolicy
{
    public string Name => "power";

    public PacingDecision Decide(PacingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PredictivePacing.NearCap(input))
        {
            return ProgressivePacing.Progressive(input, "power: abandon cap near, progressive");
        }

        var target = (int)Math.Floor(input.FreeAgents * input.Campaign.PowerLinesPerAgent);
        var lines = Math.Max(0, target - input.LinesInProgress - input.AnsweredWaiting);
        return new(lines, input.FreeAgents == 0 ? 0 : (double)(input.LinesInProgress + lines) / input.FreeAgents, "power");
    }
}

/// <summary>Agentless (voice broadcast / outbound IVR): keep <see cref="CampaignConfig.BroadcastLines"/> calls up.</summary>
public sealed class AgentlessPacing : IPacingPolicy
{
    public string Name => "agentless";

    public PacingDecision Decide(PacingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lines = Math.Max(0, input.Campaign.BroadcastLines - input.LinesInProgress);
        return new(lines, lines + input.LinesInProgress, "agentless");
    }
}

/// <summary>
/// Predictive pacing: a probabilistic model with an adaptive abandon budget and a hard stop (README.md explains it).
/// Each line in progress or dialed now reaches a live person with probability p (estimated), within about the
/// mean time to answer H. Agents that will be free by then are the free ones plus the busy ones that release
/// within H (each with its own probability from the handle-time distribution and time already spent). The pacer
/// dials the largest total N such that the expected abandons E[(X - A)+], X ~ Binomial(N, p), A ~ free + Poisson-
/// binomial releases, stay under the allowed fraction of expected live answers E[X]. The allowed fraction is the
/// campaign's target corrected by how far the window is above or below it; when one more abandon would break the
/// cap over the window, it falls back to progressive until the window has room again.
/// </summary>
public sealed class PredictivePacing : IPacingPolicy
{
    /// <summary>Fraction of the cap at which pacing stops predicting and goes progressive.</summary>
    public const double HardStopFraction = 0.9;

    public string Name => "predictive";

    public PacingDecision Decide(PacingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (NearCap(input))
        {
            return ProgressivePacing.Progressive(input, "predictive: abandon cap near, progressive");
        }

        var campaign = input.Campaign;
        var stats = input.Statistics;
        var p = Math.Clamp(stats.HumanAnswerRate, 0.01, 1.0);
        var horizon = stats.MeanRingToAnswer;

        // Distribution of agents free within the horizon: free now + Poisson-binomial of releases.
        var busy = input.BusyAgentsElapsed;
        var agents = new double[busy.Count + 1];
        agents[0] = 1;
        for (var i = 0; i < busy.Count; i++)
        {
            var q = stats.ReleaseProbability(busy[i], horizon);
            for (var k = i + 1; k >= 1; k--)
            {
                agents[k] = (agents[k] * (1 - q)) + (agents[k - 1] * q);
            }

            agents[0] *= 1 - q;
        }

        var free = Math.Max(0, input.FreeAgents - input.AnsweredWaiting);
        var allowed = AllowedFraction(input);
        var inProgress = input.LinesInProgress;
        var maxLines = (int)Math.Ceiling(campaign.MaxDialLevel * Math.Max(1, input.FreeAgents + busy.Count));
        var best = inProgress;
        var pmf = new double[maxLines + 1];
        for (var n = inProgress + 1; n <= maxLines; n++)
        {
            Binomial(n, p, pmf);
            var abandons = ExpectedExcess(pmf, n, free, agents);
            var live = n * p;
            if (abandons > allowed * live)
            {
                break;
            }

            best = n;
        }

        // With nobody free and nobody about to be, the model dials nothing; that is the right answer.
        var lines = Math.Max(0, best - inProgress);
        var level = input.FreeAgents == 0 ? best : (double)best / input.FreeAgents;
        return new(lines, level, $"predictive: p={p:F3} H={horizon.TotalSeconds:F1}s allowed={allowed:P2}");
    }

    /// <summary>True when one more abandon would put the window over <see cref="HardStopFraction"/> of the cap.</summary>
    internal static bool NearCap(PacingInput input)
    {
        var cap = input.Campaign.MaxAbandonRate * HardStopFraction;
        var snapshot = input.Abandons;
        return (snapshot.Abandoned + 1) > cap * (snapshot.LiveAnswered + 1);
    }

    /// <summary>
    /// Abandon fraction the model may plan for the next calls: target + (target - window ratio) + (target - recent
    /// ratio), clamped to [0, 0.9 cap]; just the target while fewer than 100 live answers have been seen. The window term spends a saved budget or pays back an overdraft over the
    /// regulatory window; the recent term (last few hundred live answers) corrects the model's own bias within
    /// the hour, so no short stretch runs far above target either.
    /// </summary>
    internal static double AllowedFraction(PacingInput input)
    {
        var target = input.Campaign.TargetAbandonRate;
        if (input.Statistics.RecentAbandonRatio is not { } recent)
        {
            // Warm-up: the model is not yet checked against outcomes; spend no saved budget.
            return Math.Min(target, input.Campaign.MaxAbandonRate * HardStopFraction);
        }

        var allowed = target + (target - input.Abandons.Ratio) + (target - recent);

        return Math.Clamp(allowed, 0, input.Campaign.MaxAbandonRate * HardStopFraction);
    }

    /// <summary>Fills pmf[0..n] with Binomial(n, p) (by the recurrence, stable for the n used here).</summary>
    internal static void Binomial(int n, double p, double[] pmf)
    {
        var q = 1 - p;
        if (q <= 0)
        {
            Array.Clear(pmf, 0, n + 1);
            pmf[n] = 1;
            return;
        }

        pmf[0] = Math.Pow(q, n);
        if (pmf[0] == 0)
        {
            // Underflow for large n: build in log space.
            var logP = Math.Log(p);
            var logQ = Math.Log(q);
            double logC = 0;
            for (var k = 0; k <= n; k++)
            {
                if (k > 0)
                {
                    logC += Math.Log((double)(n - k + 1) / k);
                }

                pmf[k] = Math.Exp(logC + (k * logP) + ((n - k) * logQ));
            }

            return;
        }

        var ratio = p / q;
        for (var k = 1; k <= n; k++)
        {
            pmf[k] = pmf[k - 1] * ratio * (n - k + 1) / k;
        }
    }

    /// <summary>E[(X - (free + R))+] with X ~ pmf[0..n] and R ~ releases.</summary>
    internal static double ExpectedExcess(double[] pmf, int n, int free, double[] releases)
    {
        // tail[a] = E[(X - a)+] = sum_{k > a} P(X >= k), built from the top.
        double survival = 0, excess = 0, total = 0;
        Span<double> tail = n + 2 <= 1024 ? stackalloc double[n + 2] : new double[n + 2];
        tail[n + 1] = 0;
        tail[n] = 0;
        for (var k = n; k >= 1; k--)
        {
            survival += pmf[k];
            excess += survival;
            tail[k - 1] = excess;
        }

        for (var r = 0; r < releases.Length; r++)
        {
            var a = free + r;
            if (a > n)
            {
                break;
            }

            total += releases[r] * tail[a];
        }

        return total;
    }
}
