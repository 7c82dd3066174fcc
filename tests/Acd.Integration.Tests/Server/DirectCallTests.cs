using System.Text.Json;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Agents calling each other on the real server: agent 1001 (a SIPp phone answering the 407 with its digest credentials)
/// dials 1002's extension, the server rings 1002's registered phone (a SIPp UAS on the port it registered from) with
/// 1001's name and extension as caller ID and bridges the two. While the call is up 1002 is out of queue routing
/// (Paused in /metrics) and a support caller waits instead of being offered to it; afterwards 1002 is Available again.
/// </summary>
public sealed class DirectCallTests
{
    private const string SupportAvailable = "acd_agents{queue=\"support\",state=\"Available\"} ";
    private const string SupportPaused = "acd_agents{queue=\"support\",state=\"Paused\"} ";

    [Fact]
    public async Task Agent1001Calls1002_Bridged1002BusyForQueueCallsThenAvailableAndRecorded()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));

        var phone = harness.AgentAsync("agent_answer_direct.xml", agentPort);
        var caller = harness.CallerAsync("agent_1001_calls_1002.xml", 1, "-au", "1001", "-ap", "demo1001");

        // 1002 answered: it is paused for the direct call (1004, the other support agent, is not logged in).
        Assert.True(await harness.WaitForMetricAsync(SupportPaused + "1"), await DiagnosticsAsync(harness));

        // A support caller meanwhile is not offered to 1002 (its phone takes one call): it waits, then hangs up after 9 s.
        var queued = harness.CallerAsync("caller_support_abandon.xml", 1, "-d", "9000");
        Assert.True(await harness.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 1"), await DiagnosticsAsync(harness));
        Assert.True(await harness.WaitForMetricAsync(SupportPaused + "1", TimeSpan.FromSeconds(1)), await DiagnosticsAsync(harness));
        var abandoned = await queued;
        Assert.True(abandoned.ExitCode == 0, abandoned.ToString());

        var talked = await caller;
        var rang = await phone;
        Assert.True(talked.ExitCode == 0, talked.ToString());
        Assert.True(rang.ExitCode == 0, rang.ToString());
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));
        Assert.True(await harness.WaitForMetricAsync(SupportPaused + "0"), await DiagnosticsAsync(harness));

        var records = await harness.RecordsAsync(2);
        Assert.Equal(2, records.Count);
        AssertDirectCall(records.Single(r => r.GetProperty("dialedNumber").GetString() == "1002"));
        var queueCall = records.Single(r => r.GetProperty("dialedNumber").GetString() == "100");
        Assert.Equal("abandoned", queueCall.GetProperty("outcome").GetString());
        Assert.DoesNotContain(queueCall.GetProperty("legs").EnumerateArray(), l => l.GetProperty("role").GetString() == "agent");
        Assert.Contains("1001 calls 1002", await harness.ServerLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InviteTo1002_NoCredentialsThenWrongPassword_407Then403AndNothingDialled()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        await harness.RegisterAsync("1002", Sipp.FreePort());
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));

        var refused = await harness.CallerAsync("agent_1001_calls_1002_refused.xml", 1, "-au", "1001", "-ap", "wrong");

        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Empty(await harness.RecordsAsync(1, TimeSpan.FromSeconds(2)));
        Assert.DoesNotContain("calls 1002", await harness.ServerLogAsync(), StringComparison.Ordinal);
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));
    }

    [Fact]
    public async Task DirectCallFailures_NotRegistered480Busy486Cancelled487_RecordedAndAgentLeftAvailable()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));
        string[] alice = ["-au", "1001", "-ap", "demo1001"];

        // 1003 has no phone registered: 480 at once.
        var unregistered = await harness.CallerAsync(Refused("1003", 480), 1, alice);
        Assert.True(unregistered.ExitCode == 0, unregistered.ToString());

        // 1002's phone answers 486: the caller hears busy.
        var busyPhone = harness.AgentAsync("agent_busy_direct.xml", agentPort);
        var busy = await harness.CallerAsync(Refused("1002", 486), 1, alice);
        Assert.True(busy.ExitCode == 0, busy.ToString());
        Assert.True((await busyPhone).ExitCode == 0, (await busyPhone).ToString());

        // 1001 gives up while 1002's phone rings: the CANCEL reaches the phone.
        var ringingPhone = harness.AgentAsync("agent_ring_direct.xml", agentPort);
        var cancelled = await harness.CallerAsync("agent_1001_cancels_1002.xml", 1, alice);
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.True((await ringingPhone).ExitCode == 0, (await ringingPhone).ToString());

        var records = await harness.RecordsAsync(3);
        Assert.True(records.Count == 3, string.Join("\n", records) + await DiagnosticsAsync(harness));
        string Outcome(string reason) => records.Single(r => r.GetProperty("reason").GetString() == reason).GetProperty("outcome").GetString()!;
        Assert.Equal("failed", Outcome("callee-not-registered"));
        Assert.Equal("failed", Outcome("callee-busy"));
        Assert.Equal("abandoned", Outcome("caller-cancelled"));
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await DiagnosticsAsync(harness));
    }

    /// <summary>The refused scenario (407, then the authenticated INVITE refused) for <paramref name="callee"/> and <paramref name="status"/>.</summary>
    private static string Refused(string callee, int status)
    {
        var text = File.ReadAllText(InboundCallHarness.Scenario("agent_1001_calls_1002_refused.xml"))
            .Replace("1002", callee, StringComparison.Ordinal)
            .Replace("<recv response=\"403\"/>", $"<recv response=\"{status}\"/>", StringComparison.Ordinal);
        return Sipp.WriteScenario($"direct-{callee}-{status}", text);
    }

    private static async Task<string> DiagnosticsAsync(InboundCallHarness harness) =>
        await harness.MetricsAsync() + "\n--- server log ---\n" + await harness.ServerLogAsync();

    private static void AssertDirectCall(JsonElement record)
    {
        var text = record.ToString();
        Assert.True(record.GetProperty("outcome").GetString() == "answered", text);
        Assert.Equal("caller-hangup", record.GetProperty("reason").GetString());
        Assert.Equal("1001", record.GetProperty("callerId").GetString());
        Assert.Equal("Alice Billing", record.GetProperty("callerName").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.False(record.TryGetProperty("queue", out var queue) && queue.ValueKind != JsonValueKind.Null, text);
        Assert.InRange(record.GetProperty("talkSeconds").GetDouble(), 12, 20);
        InboundCallHarness.AssertBridged(record);
    }
}
