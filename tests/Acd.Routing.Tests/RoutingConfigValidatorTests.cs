using Acd.Routing;
using Xunit;

namespace Acd.Routing.Tests;

public sealed class RoutingConfigValidatorTests
{
    private static RoutingConfig Valid() => Cfg.Config(
        [Cfg.Queue("sales"), Cfg.Queue("support", "support") with { Escalation = [new EscalationStep { After = TimeSpan.FromSeconds(60), Action = EscalationAction.Overflow, Target = "sales" }] }],
        Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a2", ("support", 10)));

    [Fact]
    public void Validate_ValidConfig_NoErrors() => Assert.Empty(RoutingConfigValidator.Validate(Valid()));

    [Fact]
    public void Validate_UnknownSkill_NamesAgentAndSkill()
    {
        var e = Assert.Single(RoutingConfigValidator.Validate(Valid() with { Agents = [Cfg.Agent("a1", ("klingon", 5))] }));
        Assert.Equal(("agents[0].skills.klingon", "a1"), (e.Location, e.Item));
        Assert.Contains("unknown skill 'klingon'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Validate_LevelOutsideRange_NamesAgent(int level)
    {
        var e = Assert.Single(RoutingConfigValidator.Validate(Valid() with { Agents = [Cfg.Agent("bob", ("sales", level))] }));
        Assert.Equal("bob", e.Item);
        Assert.Contains("outside 1-10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateAgentId_NamesSecondOccurrence()
    {
        var e = Assert.Single(RoutingConfigValidator.Validate(Valid() with { Agents = [Cfg.Agent("a1", ("sales", 5)), Cfg.Agent("a1", ("sales", 6))] }));
        Assert.Equal(("agents[1].id", "a1"), (e.Location, e.Item));
        Assert.Contains("duplicate agent id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_QueueWithoutSkills_NamesQueue()
    {
        var e = Assert.Single(RoutingConfigValidator.Validate(Valid() with { Queues = [Cfg.Queue("sales") with { Skills = [] }] }));
        Assert.Equal(("queues[0].skills", "sales"), (e.Location, e.Item));
    }

    [Fact]
    public void Validate_ManyProblems_ReturnsEveryError()
    {
        var config = Valid() with
        {
            Queues =
            [
                Cfg.Queue("q1", "nope", strategy: "fastest") with
                {
                    Weight = 0,
                    RingTimeout = TimeSpan.Zero,
                    Priority = 10,
                    Escalation = [new EscalationStep { After = TimeSpan.FromSeconds(30), MinLevel = 0 }, new EscalationStep { After = TimeSpan.FromSeconds(20), Action = EscalationAction.Overflow, Target = "gone" }],
                },
            ],
        };

        var errors = RoutingConfigValidator.Validate(config);

        Assert.Equal(
            ["queues[0].skills[0]", "queues[0].priority", "queues[0].strategy", "queues[0].ringTimeout", "queues[0].weight", "queues[0].escalation[0].minLevel", "queues[0].escalation[1].after", "queues[0].escalation[1].target"],
            errors.Select(e => e.Location));
        Assert.All(errors, e => Assert.Equal("q1", e.Item));
    }

    [Fact]
    public void Validate_CustomStrategyName_AcceptedWhenKnown()
    {
        var config = Valid() with { Queues = [Cfg.Queue("sales", strategy: "mine")] };
        Assert.NotEmpty(RoutingConfigValidator.Validate(config));
        Assert.Empty(RoutingConfigValidator.Validate(config, new HashSet<string>(["mine"])));
    }

    [Fact]
    public void TryValidate_LegalAndIllegalTransitions()
    {
        Assert.True(AgentTransitions.TryValidate(AgentState.WrapUp, AgentState.Available, out _));
        Assert.False(AgentTransitions.TryValidate(AgentState.LoggedOut, AgentState.OnCall, out var reason));
        Assert.Equal("an agent cannot go from LoggedOut to OnCall", reason);
    }

    [Fact]
    public void Estimate_PositionStaffingAndAvailability()
    {
        Assert.Equal(TimeSpan.Zero, WaitEstimator.Estimate(2, 5, 2, 60_000));
        Assert.Equal(TimeSpan.FromSeconds(30), WaitEstimator.Estimate(3, 4, 1, 60_000));
        Assert.Null(WaitEstimator.Estimate(1, 0, 0, 60_000));
    }
}
