using System.Text.Json;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// The inbound path when things do not go to plan: an agent who does not answer, callers who give up in the queue
/// or while a phone rings, a caller who asks to be called back, and an INVITE whose SDP is garbage.
/// </summary>
public sealed class InboundCallEdgeTests
{
    private const string SupportAvailable = "acd_agents{queue=\"support\",state=\"Available\"} ";

    /// <summary>Support rings for 3 s and serves every level at once (the sample waits 45 s before level 3 agents).</summary>
    private static string QuickSupport(string config) => config
        .Replace("    ring_timeout: 15s\n    wrap_up: 2s\n    max_wait: 15m\n    escalation:\n      - { after: 0s, min_level: 7 }\n      - { after: 45s, min_level: 1 }",
            "    ring_timeout: 3s\n    wrap_up: 2s\n    max_wait: 15m", StringComparison.Ordinal);

    [Fact]
    public async Task RingNoAnswer_FirstAgentCancelled_SecondAgentAnswers()
    {
        await using var harness = await InboundCallHarness.StartAsync(QuickSupport);
        var silent = Sipp.FreePort();
        var answering = Sipp.FreePort();
        await harness.RegisterAsync("1002", silent);
        await harness.RegisterAsync("1004", answering);
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "2"), await harness.MetricsAsync());

        // 1002 registered first: longest idle, rung first; it never answers.
        var first = harness.AgentAsync("agent_no_answer.xml", silent);
        var second = harness.AgentAsync("agent_answer.xml", answering);
        var caller = await harness.CallerAsync("caller_support.xml");

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True((await first).ExitCode == 0, (await first).ToString());
        Assert.True((await second).ExitCode == 0, (await second).ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        var text = record.ToString();
        Assert.Equal("1004", record.GetProperty("agent").GetString());
        Assert.Equal("answered", record.GetProperty("outcome").GetString());
        var agents = record.GetProperty("legs").EnumerateArray().Where(l => l.GetProperty("role").GetString() == "agent").ToList();
        Assert.Equal(2, agents.Count);
        Assert.Equal("1002", agents[0].GetProperty("party").GetString());
        Assert.Equal("ring-no-answer", agents[0].GetProperty("endReason").GetString());
        Assert.Equal(487, agents[0].GetProperty("status").GetInt32());
        Assert.Equal(200, agents[1].GetProperty("status").GetInt32());
        Assert.Contains(record.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "ring-no-answer");
        Assert.True(await harness.WaitForMetricAsync("acd_agent_ring_no_answer_total"), text);
    }

    [Fact]
    public async Task CallerHangsUpInQueue_Abandoned()
    {
        await using var harness = await InboundCallHarness.StartAsync();

        var caller = await harness.CallerAsync("caller_support_abandon.xml", 1, "-d", "8000");

        Assert.True(caller.ExitCode == 0, caller.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("abandoned", record.GetProperty("outcome").GetString());
        Assert.Equal("caller-hangup-queue", record.GetProperty("reason").GetString());
        Assert.Equal("support", record.GetProperty("queue").GetString());
        Assert.False(record.TryGetProperty("agent", out _), record.ToString());
        Assert.True(await harness.WaitForMetricAsync("acd_queue_calls_abandoned_total{queue=\"support\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 0"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task CallerHangsUpWhileAgentRings_AgentCancelledAndAvailableAgain()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var port = Sipp.FreePort();
        await harness.RegisterAsync("1002", port);
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await harness.MetricsAsync());

        // The phone rings from about 6 s after the digit for 15 s: hanging up at 12 s lands inside the ring even on a slow box.
        var agent = harness.AgentAsync("agent_no_answer.xml", port);
        var caller = await harness.CallerAsync("caller_support_abandon.xml", 1, "-d", "12000");
        var phone = await agent;

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True(phone.ExitCode == 0, phone.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("abandoned", record.GetProperty("outcome").GetString());
        var leg = Assert.Single(record.GetProperty("legs").EnumerateArray(), l => l.GetProperty("role").GetString() == "agent");
        Assert.Equal(487, leg.GetProperty("status").GetInt32());
        Assert.True(await harness.WaitForMetricAsync(SupportAvailable + "1"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task CallerAsksForCallback_PlaceKept_AgentRungFirstThenCustomerCalledBack()
    {
        await using var harness = await InboundCallHarness.StartAsync(
            null, script => script.Replace("    queue: support\n    callback_offer: true\n    exit_key: \"*\"\n    on_exit: leave_message",
                "    queue: support\n    callback_offer: true\n    exit_key: \"*\"\n    on_exit: support_callback", StringComparison.Ordinal));
        var customerPort = Sipp.FreePort();

        // No agent yet: the caller waits, presses *, hears the confirmation and is hung up; the call stays queued.
        var caller = await harness.CallerAsync("caller_support_callback.xml", 1, "-p", InboundCallHarness.Port(customerPort));
        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True(await harness.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 1"), await harness.MetricsAsync());

        // An agent logs in: it is offered the callback, answers, and the customer is called back on their phone.
        var customer = Sipp.RunAsync(InboundCallHarness.Scenario("callback_answer.xml"), harness.Server.SipTarget, 1, InboundCallHarness.SippTimeout,
            ["-p", InboundCallHarness.Port(customerPort), "-mp", InboundCallHarness.Port(Sipp.FreePort()), "-rtp_echo"]);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = await harness.AgentAsync("agent_answer.xml", agentPort);

        Assert.True(agent.ExitCode == 0, agent.ToString());
        Assert.True((await customer).ExitCode == 0, (await customer).ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("callback", record.GetProperty("outcome").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        var kinds = record.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("exit-key", kinds);
        Assert.Contains("callback-requested", kinds);
        Assert.Contains("callback-connected", kinds);
        Assert.Contains(record.GetProperty("legs").EnumerateArray(), l => l.GetProperty("role").GetString() == "customer");
    }

    [Fact]
    public async Task InviteWithMalformedSdp_488AndCounted()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var scenario = Sipp.WriteScenario("invite-bad-sdp", """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="invite with a malformed SDP offer">
              <send retrans="500"><![CDATA[
                INVITE sip:100@[remote_ip]:[remote_port] SIP/2.0
                Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                Max-Forwards: 70
                From: <sip:+15551234567@[local_ip]>;tag=[pid]i[call_number]
                To: <sip:100@[remote_ip]>
                Call-ID: [call_id]
                CSeq: 1 INVITE
                Contact: <sip:caller@[local_ip]:[local_port]>
                Content-Type: application/sdp
                Content-Length: [len]

                v=0
                this is not SDP
                m=audio banana RTP/AVP
              ]]></send>
              <recv response="100" optional="true"/>
              <recv response="488"/>
              <send><![CDATA[
                ACK sip:100@[remote_ip]:[remote_port] SIP/2.0
                Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                Max-Forwards: 70
                From: <sip:+15551234567@[local_ip]>;tag=[pid]i[call_number]
                To: <sip:100@[remote_ip]>[peer_tag_param]
                Call-ID: [call_id]
                CSeq: 1 ACK
                Content-Length: 0

              ]]></send>
            </scenario>
            """);

        var result = await Sipp.RunAsync(scenario, harness.Server.SipTarget, 1, TimeSpan.FromSeconds(15));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(await harness.WaitForMetricAsync("acd_calls_refused_total{reason=\"bad_sdp\"} 1"), await harness.MetricsAsync());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("failed", record.GetProperty("outcome").GetString());
        Assert.Equal("bad_sdp", record.GetProperty("reason").GetString());
    }
}
