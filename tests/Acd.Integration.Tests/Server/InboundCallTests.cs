using System.Text.Json;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// The whole inbound path on the real server: a SIPp caller dials 100 and presses 2 (RFC 4733), the IVR queues the
/// call to support, routing picks agent 1002 (a SIPp phone registered with digest auth), the server rings its
/// registered contact with the caller's number and the queue for the screen pop, bridges the audio (the phone
/// echoes it back), and either side's BYE ends both legs; the call record says what happened.
/// </summary>
public sealed class InboundCallTests
{
    [Fact]
    public async Task CallerPresses2_Agent1002AnswersCallerHangsUp_BridgedAndRecorded()
    {
        // Recording policy "all": the bridged conversation is written as a stereo WAV named in the record.
        await using var harness = await InboundCallHarness.StartAsync(config => config.Replace("recording:\n  mode: none", "recording:\n  mode: all", StringComparison.Ordinal));
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());

        var agent = harness.AgentAsync("agent_answer.xml", agentPort);
        var caller = await harness.CallerAsync("caller_support.xml");
        var phone = await agent;

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True(phone.ExitCode == 0, phone.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        AssertAnswered(record, "caller-hangup");
        var recording = record.GetProperty("recordingFile").GetString()!;
        Assert.True(File.Exists(recording), recording);
        var wav = await File.ReadAllBytesAsync(recording);
        Assert.Equal(2, BitConverter.ToInt16(wav, 22));
        Assert.True(wav.Length > 44 + (8000 * 2 * 2 * 2), $"{wav.Length} bytes: less than 2 s of stereo audio");
    }

    [Fact]
    public async Task CallerPresses2_AgentHangsUp_CallerGetsByeAndAgentWrapsUpThenAvailable()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());

        var agent = harness.AgentAsync("agent_answer_hangup.xml", agentPort);
        var caller = await harness.CallerAsync("caller_support_until_bye.xml");
        var phone = await agent;

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True(phone.ExitCode == 0, phone.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        AssertAnswered(record, "agent-hangup");

        // Wrap-up (2 s in the test configuration) ended before the record was written; the agent is available again.
        Assert.InRange(record.GetProperty("wrapUpSeconds").GetDouble(), 1.5, 6);

        // Handle time (talk + wrap-up) is measured once the wrap-up ended; talk time alone by routing.
        Assert.True(await harness.WaitForMetricAsync("acd_queue_handle_seconds_count{queue=\"support\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_queue_talk_seconds_count{queue=\"support\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_calls_total{outcome=\"answered\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
    }

    private static void AssertAnswered(JsonElement record, string reason)
    {
        var text = record.ToString();
        Assert.True(string.Equals(record.GetProperty("outcome").GetString(), "answered", StringComparison.OrdinalIgnoreCase), text);
        Assert.Equal(reason, record.GetProperty("reason").GetString());
        Assert.Equal("100", record.GetProperty("dialedNumber").GetString());
        Assert.Equal("+15551234567", record.GetProperty("callerId").GetString());
        Assert.Equal("support", record.GetProperty("queue").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Equal("customer-service", record.GetProperty("ivrScript").GetString());
        var path = record.GetProperty("ivrPath").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("main_menu", path);
        Assert.Contains("support_queue", path);
        Assert.InRange(record.GetProperty("waitSeconds").GetDouble(), 0, 10);
        Assert.InRange(record.GetProperty("talkSeconds").GetDouble(), 2, 15);
        InboundCallHarness.AssertBridged(record);
    }
}
