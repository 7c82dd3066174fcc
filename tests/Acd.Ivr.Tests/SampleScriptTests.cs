using Acd.Ivr.Runtime;
using Acd.Ivr.Simulation;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Acd.Ivr.Tests;

/// <summary>The shipped customer-service script, simulated end to end through every branch.</summary>
public class SampleScriptTests
{
    // Monday 2026-11-23 10:00 in New York: open. Sunday: closed. Thanksgiving: holiday.
    private static readonly DateTimeOffset Open = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Sunday = new(2026, 11, 29, 15, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Thanksgiving = new(2026, 11, 26, 15, 0, 0, TimeSpan.Zero);

    private static readonly HashSet<string> Visited = [];

    private static async Task<IvrSimulation> Simulate(DateTimeOffset at, string digits, Dictionary<string, IvrQueueStatus>? queues = null, string? start = null)
    {
        var simulation = await IvrSimulator.RunAsync(TestScripts.Sample(), new IvrSimulationOptions
        {
            At = at,
            Digits = digits.Length == 0 ? [] : digits.Split(','),
            Caller = "+15551234567",
            Dialed = "100",
            Queues = queues ?? [],
            StartNode = start,
        });
        lock (Visited)
        {
            Visited.UnionWith(simulation.Result.Path);
        }

        return simulation;
    }

    private static Dictionary<string, IvrQueueStatus> LongWait(string queue, int seconds = 600) => new() { [queue] = new IvrQueueStatus(TimeSpan.FromSeconds(seconds), 0, 12) };

    [Fact]
    public async Task Billing_WithAccount_QueuesWithAccountVariable()
    {
        var s = await Simulate(Open, "1,12345678#");
        var queue = Assert.IsType<IvrQueueOutcome>(s.Result.Outcome);
        Assert.Equal(("billing", 5, true, (char?)'*', "leave_message"), (queue.Queue, queue.Priority, queue.CallbackOffer, queue.ExitKey, queue.ExitNode));
        Assert.Equal("12345678", s.Result.Variables["account"]);
        Assert.Equal(["welcome", "check_hours", "main_menu", "billing_account", "billing_check", "billing_queue"], s.Result.Path);
        Assert.Equal(["welcome", "main-menu", "enter-account", "please-hold"], s.Prompts);
    }

    [Fact]
    public async Task Billing_InvalidAccountThreeTimes_QueuesWithoutAccount()
    {
        var s = await Simulate(Open, "1,12#,abc,");
        Assert.Equal("billing", Assert.IsType<IvrQueueOutcome>(s.Result.Outcome).Queue);
        Assert.False(s.Result.Variables.ContainsKey("account"));
        Assert.Equal(["welcome", "main-menu", "enter-account", "invalid-account", "enter-account", "enter-account", "please-hold"], s.Prompts);
    }

    [Fact]
    public async Task Billing_LongWait_SaysMinutesAndOffersCallback()
    {
        var s = await Simulate(Open, "1,123456#,1", LongWait("billing"));
        var callback = Assert.IsType<IvrCallbackOutcome>(s.Result.Outcome);
        Assert.Equal(("billing", "+15551234567", Open), (callback.Queue, callback.Number, callback.RequestedAt));
        Assert.Equal(["long-wait", "your-estimated-wait-is-about", "say/10", "say/minutes", "long-wait-offer", "callback-confirm"], s.Prompts.Skip(3));
    }

    [Fact]
    public async Task Billing_LongWaitKeepWaiting_Queues()
    {
        var s = await Simulate(Open, "1,123456#,2", LongWait("billing", 241));
        Assert.Equal("billing", Assert.IsType<IvrQueueOutcome>(s.Result.Outcome).Queue);
        Assert.Contains("say/5", s.Prompts);
    }

    [Fact]
    public async Task Billing_WaitAtThreshold_NoLongWaitMessage()
    {
        var s = await Simulate(Open, "1,123456#", LongWait("billing", 240));
        Assert.DoesNotContain("billing_long_wait", s.Result.Path);
    }

    [Fact]
    public async Task Support_ShortWait_Queues()
    {
        var s = await Simulate(Open, "2");
        Assert.Equal("support", Assert.IsType<IvrQueueOutcome>(s.Result.Outcome).Queue);
    }

    [Fact]
    public async Task Support_LongWaitNoAnswer_QueuesAfterRetries()
    {
        var s = await Simulate(Open, "2", LongWait("support"));
        Assert.Equal("support", Assert.IsType<IvrQueueOutcome>(s.Result.Outcome).Queue);
        Assert.Equal(2, s.Prompts.Count(p => p == "long-wait-offer"));
        Assert.Equal(TimeSpan.FromSeconds(10), s.Trace[^1].At);
    }

    [Fact]
    public async Task Support_LongWaitCallback_ReturnsCallback()
    {
        var s = await Simulate(Open, "2,1", LongWait("support"));
        Assert.Equal("support", Assert.IsType<IvrCallbackOutcome>(s.Result.Outcome).Queue);
    }

    [Fact]
    public async Task Claims_ShortAndLongWait_QueueOrCallback()
    {
        Assert.Equal("claims", Assert.IsType<IvrQueueOutcome>((await Simulate(Open, "3")).Result.Outcome).Queue);
        Assert.Equal("claims", Assert.IsType<IvrCallbackOutcome>((await Simulate(Open, "3,1", LongWait("claims"))).Result.Outcome).Queue);
        Assert.Equal("claims", Assert.IsType<IvrQueueOutcome>((await Simulate(Open, "3,2", LongWait("claims"))).Result.Outcome).Queue);
    }

    [Fact]
    public async Task Operator_SaysCallerPosition_QueuesGeneral()
    {
        var s = await Simulate(Open, "0", new() { ["general"] = new IvrQueueStatus(TimeSpan.FromMinutes(2), 0, 2) });
        var queue = Assert.IsType<IvrQueueOutcome>(s.Result.Outcome);
        Assert.Equal(("general", 1), (queue.Queue, queue.Priority));
        Assert.Equal(["operator", "you-are-caller-number", "say/3"], s.Prompts.Skip(2));
    }

    [Fact]
    public async Task MainMenu_InvalidAndSilent_FallsBackToOperator()
    {
        var s = await Simulate(Open, "9,,7");
        Assert.Equal("general", Assert.IsType<IvrQueueOutcome>(s.Result.Outcome).Queue);
        Assert.Equal(["welcome", "main-menu", "invalid-option", "main-menu", "no-input", "main-menu", "operator", "you-are-caller-number", "say/1"], s.Prompts);
    }

    [Fact]
    public async Task AfterHours_Callback_QueuesCallbackForGeneral()
    {
        var s = await Simulate(Sunday, "1");
        Assert.Equal("general", Assert.IsType<IvrCallbackOutcome>(s.Result.Outcome).Queue);
        Assert.Equal(["welcome", "after-hours", "after-hours-menu", "callback-confirm"], s.Prompts);
    }

    [Fact]
    public async Task AfterHours_Message_RecordsVoicemail()
    {
        var s = await Simulate(Sunday, "2");
        var voicemail = Assert.IsType<IvrVoicemailOutcome>(s.Result.Outcome);
        Assert.Equal(("general", TimeSpan.FromMinutes(2)), (voicemail.Mailbox, voicemail.Recording.Duration));
        Assert.Equal(["leave-message", "message-saved"], s.Prompts.Skip(3));
    }

    [Fact]
    public async Task AfterHours_Silence_SaysGoodbye()
    {
        var s = await Simulate(Sunday, string.Empty);
        Assert.IsType<IvrHangupOutcome>(s.Result.Outcome);
        Assert.Equal("goodbye", s.Prompts[^1]);
    }

    [Fact]
    public async Task Holiday_OnWeekday_IsAfterHours()
    {
        var s = await Simulate(Thanksgiving, "1");
        Assert.Contains("after_hours", s.Result.Path);
    }

    [Fact]
    public async Task QueueExitKey_ResumesAtLeaveMessage()
    {
        var s = await Simulate(Open, string.Empty, start: "leave_message");
        Assert.IsType<IvrVoicemailOutcome>(s.Result.Outcome);
    }

    public static TheoryData<string> Nodes() => [.. TestScripts.Sample().NodeNames];

    [Theory]
    [MemberData(nameof(Nodes))]
    public async Task Hangup_AtEveryNode_EndsAndFreesTheCall(string node)
    {
        using var metrics = new IvrMetrics();
        using var active = new MetricCollector<long>(metrics.Meter, "acd_ivr_calls_active");
        var s = await IvrSimulator.RunAsync(TestScripts.Sample(), new IvrSimulationOptions { At = Open, StartNode = node, HangupAt = node }, metrics);
        Assert.Equal(new IvrCallerHangupOutcome(node), s.Result.Outcome);
        Assert.Equal(0, active.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task Simulations_TogetherVisitEveryNode()
    {
        // Runs the branch scenarios again in one place so the coverage check does not depend on test order.
        foreach (var (at, digits, queues) in new (DateTimeOffset, string, Dictionary<string, IvrQueueStatus>?)[]
        {
            (Open, "1,123456#,1", LongWait("billing")), (Open, "2,1", LongWait("support")), (Open, "3,1", LongWait("claims")),
            (Open, "0", null), (Sunday, "1", null), (Sunday, "2", null), (Sunday, string.Empty, null),
        })
        {
            await Simulate(at, digits, queues);
        }

        await Simulate(Open, "1,123456#");
        await Simulate(Open, "2");
        await Simulate(Open, "3");
        lock (Visited)
        {
            Assert.Empty(TestScripts.Sample().NodeNames.Except(Visited));
        }
    }
}
