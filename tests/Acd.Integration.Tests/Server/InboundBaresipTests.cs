using System.Text.Json;
using Acd.Integration.Tests.Media;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// The inbound path on the real server with a real softphone (baresip 1.0, Debian baresip-core) on either side:
/// as agent 1002's registered phone that answers by itself, and as the caller who dials 100 and presses 2 (RFC 4733).
/// The other side is SIPp. baresip sends 20 ms packets of its aufile source (silence) for the whole call.
/// </summary>
public sealed class InboundBaresipTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task BaresipAgent_SippCallerPresses2_AutoAnswersWithScreenPopAndRecorded()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        await using var phone = await BaresipPhone.StartAsync(harness.Server.SipTarget,
            new BaresipAccount("1002", Password: "demo1002", RegisterInterval: 600, AutoAnswer: true));
        var registered = await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1");
        Assert.True(registered, $"{await harness.MetricsAsync()}\n--- baresip\n{phone.Output}");

        var caller = await harness.CallerAsync("caller_support.xml");
        await phone.WaitForEventAsync("CALL_CLOSED", Step);

        var diagnostics = $"{caller}\n--- baresip\n{phone.Output}\n--- server\n{await harness.ServerLogAsync()}";
        Assert.True(caller.ExitCode == 0, diagnostics);
        var record = Assert.Single(await harness.RecordsAsync(1));
        AssertAnswered(record, "caller-hangup", diagnostics);

        // baresip's silence crossed back to the server: ~7.5 s of talk at 50 packets/s.
        var agentLeg = Leg(record, "agent");
        Assert.True(agentLeg.GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 50, record.ToString());

        // The screen pop as the phone saw it: the INVITE's From (baresip's SIP trace) and its call events (auto-answer
        // raises no CALL_INCOMING) carry the caller's number and the queue in the display name.
        Assert.Contains("From: \"support: Pat Caller +15551234567\" <sip:+15551234567@", phone.Output, StringComparison.Ordinal);
        var events = phone.Events();
        var established = events.Where(e => e.TryGetProperty("type", out var t) && t.GetString() == "CALL_ESTABLISHED").ToList();
        Assert.True(established.Count == 1, string.Join('\n', events));
        var call = established[0];
        Assert.Equal("incoming", call.GetProperty("direction").GetString());
        Assert.StartsWith("sip:+15551234567@", call.GetProperty("peeruri").GetString(), StringComparison.Ordinal);
        Assert.Equal("support: Pat Caller +15551234567", call.GetProperty("peerdisplayname").GetString());
    }

    [Fact]
    public async Task BaresipCaller_Presses2_SippAgentAnswersCallerHangsUp_Recorded()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        var agent = harness.AgentAsync("agent_answer.xml", agentPort);

        await using var phone = await BaresipPhone.StartAsync(harness.Server.SipTarget, new BaresipAccount("+15551234567", "Pat Caller"));
        await phone.CommandAsync("dial", $"sip:100@{harness.Server.SipTarget}");
        await phone.WaitForEventAsync("CALL_ESTABLISHED", Step);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the welcome prompt is playing: type-ahead reaches the main menu
        await phone.CommandAsync("sndcode", "2");
        var onCall = await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"OnCall\"} 1", Step);
        Assert.True(onCall, $"{phone.Output}\n--- server\n{await harness.ServerLogAsync()}");

        await Task.Delay(TimeSpan.FromSeconds(10)); // talking
        await phone.CommandAsync("hangup");
        await phone.WaitForEventAsync("CALL_CLOSED", Step);
        var sipp = await agent;

        var diagnostics = $"{sipp}\n--- baresip\n{phone.Output}\n--- server\n{await harness.ServerLogAsync()}";
        Assert.True(sipp.ExitCode == 0, diagnostics);
        var record = Assert.Single(await harness.RecordsAsync(1));
        AssertAnswered(record, "caller-hangup", diagnostics);
        Assert.InRange(record.GetProperty("talkSeconds").GetDouble(), 9, 13);

        // SIPp echoes what it hears: baresip's packets crossed the bridge both ways.
        Assert.True(Leg(record, "caller").GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 400, record.ToString());
        Assert.True(Leg(record, "agent").GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 300, record.ToString());
    }

    private static JsonElement Leg(JsonElement record, string role) =>
        record.GetProperty("legs").EnumerateArray().Single(l => l.GetProperty("role").GetString() == role);

    private static void AssertAnswered(JsonElement record, string reason, string diagnostics)
    {
        var text = record + "\n" + diagnostics;
        Assert.True(string.Equals(record.GetProperty("outcome").GetString(), "answered", StringComparison.OrdinalIgnoreCase), text);
        Assert.True(record.GetProperty("reason").GetString() == reason, text);
        Assert.Equal("100", record.GetProperty("dialedNumber").GetString());
        Assert.Equal("+15551234567", record.GetProperty("callerId").GetString());
        Assert.Equal("support", record.GetProperty("queue").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Equal(200, Leg(record, "agent").GetProperty("status").GetInt32());
    }
}
