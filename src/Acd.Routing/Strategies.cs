namespace Acd.Routing;

/// <summary>
/// An available agent that meets a call's requirements. Candidates are always given in idle order:
/// longest idle first (<see cref="IdleSinceMs"/> ascending), ties by agent id (ordinal).
/// </summary>
public readonly record struct AgentCandidate(string AgentId, long IdleSinceMs, int LevelSum, int CallsToday, long TalkMsToday);

/// <summary>What a strategy may know besides the candidates: the queue's last assigned agent and a random draw in [0,1).</summary>
public readonly record struct StrategyContext(string Queue, string? LastAssigned, double Random);

/// <summary>A routing strategy, chosen per queue by <see cref="Name"/>. Returns the index of the chosen candidate.</summary>
public interface IRoutingStrategy
{
    string Name { get; }

    /// <summary>True when the first candidate in idle order is always the answer, so a store may stop scanning early.</summary>
    bool FirstCandidateWins => false;

    int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context);
}

/// <summary>
/// The built-in strategies. The Redis store runs the same rules inside its Lua script (one round trip); a custom
/// strategy registered here works with the in-memory store, and the Redis store refuses configurations naming it.
/// </summary>
public static class RoutingStrategies
{
    public const string LongestIdle = "longest-idle";
    public const string MostSkilled = "most-skilled";
    public const string RoundRobin = "round-robin";
    public const string FewestCalls = "fewest-calls";
    public const string LeastTalkTime = "least-talk-time";
    public const string Random = "random";
    public const string WeightedRandom = "weighted-random";

    public static IReadOnlySet<string> BuiltInNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        LongestIdle, MostSkilled, RoundRobin, FewestCalls, LeastTalkTime, Random, WeightedRandom,
    };

    public static IReadOnlyList<IRoutingStrategy> BuiltIn { get; } =
    [
        new LongestIdleStrategy(), new MostSkilledStrategy(), new RoundRobinStrategy(), new FewestCallsStrategy(),
        new LeastTalkTimeStrategy(), new RandomStrategy(), new WeightedRandomStrategy(),
    ];

    public static Dictionary<string, IRoutingStrategy> Create(IEnumerable<IRoutingStrategy>? extra = null)
    {
        var map = BuiltIn.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var s in extra ?? [])
        {
            map[s.Name] = s;
        }

        return map;
    }
}

/// <summary>The agent idle longest.</summary>
public sealed class LongestIdleStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.LongestIdle;

    public bool FirstCandidateWins => true;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context) => candidates.IsEmpty ? -1 : 0;
}

/// <summary>Highest proficiency (sum of levels on the required skills), then longest idle.</summary>
public sealed class MostSkilledStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.MostSkilled;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context)
    {
        var best = -1;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (best < 0 || candidates[i].LevelSum > candidates[best].LevelSum)
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>The next agent id (ordinal) after the queue's last assigned agent, wrapping around.</summary>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.RoundRobin;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context)
    {
        int next = -1, first = -1;
        for (var i = 0; i < candidates.Length; i++)
        {
            var id = candidates[i].AgentId;
            if (first < 0 || string.CompareOrdinal(id, candidates[first].AgentId) < 0)
            {
                first = i;
            }

            if (context.LastAssigned is not null && string.CompareOrdinal(id, context.LastAssigned) > 0
                && (next < 0 || string.CompareOrdinal(id, candidates[next].AgentId) < 0))
            {
                next = i;
            }
        }

        return next >= 0 ? next : first;
    }
}

/// <summary>Fewest answered calls today (UTC day), then longest idle.</summary>
public sealed class FewestCallsStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.FewestCalls;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context)
    {
        var best = -1;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (best < 0 || candidates[i].CallsToday < candidates[best].CallsToday)
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>Least talk time today (UTC day), then longest idle.</summary>
public sealed class LeastTalkTimeStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.LeastTalkTime;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context)
    {
        var best = -1;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (best < 0 || candidates[i].TalkMsToday < candidates[best].TalkMsToday)
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>Uniformly random among the candidates (the draw is injected).</summary>
public sealed class RandomStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.Random;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context) =>
        candidates.IsEmpty ? -1 : Math.Min(candidates.Length - 1, (int)Math.Floor(context.Random * candidates.Length));
}

/// <summary>Random, weighted by proficiency (sum of levels on the required skills).</summary>
public sealed class WeightedRandomStrategy : IRoutingStrategy
{
    public string Name => RoutingStrategies.WeightedRandom;

    public int Select(ReadOnlySpan<AgentCandidate> candidates, in StrategyContext context)
    {
        if (candidates.IsEmpty)
        {
            return -1;
        }

        double total = 0;
        foreach (var c in candidates)
        {
            total += c.LevelSum;
        }

        var target = context.Random * total;
        double cumulative = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            cumulative += candidates[i].LevelSum;
            if (cumulative > target)
            {
                return i;
            }
        }

        return candidates.Length - 1;
    }
}
