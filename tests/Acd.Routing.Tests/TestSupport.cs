using Acd.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Routing.Tests;

/// <summary>A Random whose draws the test sets (strategies that use randomness become deterministic).</summary>
public sealed class FixedRandom(double value) : Random
{
    public double Value { get; set; } = value;

    public override double NextDouble() => Value;
}

internal static class Cfg
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Start);

    public static QueueConfig Queue(string name, string skill = "sales", int level = 1, string strategy = RoutingStrategies.LongestIdle) => new()
    {
        Name = name,
        Skills = [new SkillRequirement(skill, level)],
        Strategy = strategy,
        RingTimeout = TimeSpan.FromSeconds(15),
        ServiceLevelThreshold = TimeSpan.FromSeconds(20),
    };

    public static AgentConfig Agent(string id, params (string Skill, int Level)[] skills) => new()
    {
        Id = id,
        Skills = skills.ToDictionary(s => s.Skill, s => s.Level, StringComparer.Ordinal),
    };

    public static RoutingConfig Config(IEnumerable<QueueConfig> queues, params AgentConfig[] agents) => new()
    {
        Skills = ["sales", "support", "spanish", "billing"],
        Queues = queues.ToList(),
        Agents = agents,
        RingNoAnswerLimit = 2,
    };

    public static CallRequest Call(string id, string queue, int? priority = null, string node = "n1", params SkillRequirement[] extra) => new()
    {
        CallId = id,
        Queue = queue,
        Priority = priority,
        Node = node,
        ExtraSkills = extra,
    };

    public static RoutingEvent Offer(this RoutingResult r)
    {
        Xunit.Assert.True(r.Succeeded, r.Reason);
        return Xunit.Assert.Single(r.Offers);
    }
}

/// <summary>Scopes meters to one test so parallel tests' "Acd.Routing" meters do not mix in a MetricCollector.</summary>
public sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
{
    private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

    public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new System.Diagnostics.Metrics.Meter(new System.Diagnostics.Metrics.MeterOptions(options.Name) { Version = options.Version, Scope = this });
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var m in _meters)
        {
            m.Dispose();
        }
    }
}
