using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// Keep-my-place callbacks to a number typed in the IVR, on the real server: the caller waits in support, presses the
/// queue's exit key, types another number than its caller ID and hangs up (record: callback-scheduled); once an agent is
/// free the dialer calls that number through the SIPp trunk (digest, the external policy's caller ID), and the answered
/// call reaches the SIPp agent as a callback (screen pop keep-my-place; record direction callback; attempt recorded).
/// </summary>
public sealed class KeepMyPlaceCallbackTests
{
    /// <summary>The queue's exit key asks for a callback number (collect) and hands it to a callback node.</summary>
    internal static string TypedCallbackScript(string script) =>
        script.Replace(
            "    queue: support\n    callback_offer: true\n    exit_key: \"*\"\n    on_exit: leave_message",
            "    queue: support\n    callback_offer: true\n    exit_key: \"*\"\n    on_exit: support_number", StringComparison.Ordinal)
        + """

          support_number:
            kind: collect
            prompt: enter-account
            min_digits: 10
            max_digits: 15
            terminator: "#"
            first_digit_timeout: 8s
            inter_digit_timeout: 4s
            variable: callback_number
            next: support_typed_callback
            on_failure: goodbye

          support_typed_callback:
            kind: callback
            prompts: callback-confirm
            queue: support
            number: vars.callback_number

        """;

    [Fact]
    public async Task TypedNumber_CallerHangsUpThenAgentFree_DialedThroughTrunkToAgentAndRecorded()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone"], new DialerSetupOptions { ExtraCampaigns = CallbackTests.External });
        await using var harness = await InboundCallHarness.StartAsync(null, TypedCallbackScript, setup.ServerArgs);
        var trunk = setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);

        // No agent: the caller waits, presses *, types 2125550100# and is hung up after the confirmation.
        var caller = await harness.CallerAsync("caller_support_typed_callback.xml");
        Assert.True(caller.ExitCode == 0, caller + await harness.ServerLogAsync());
        var inbound = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("callback", inbound.GetProperty("outcome").GetString());
        Assert.Equal("callback-scheduled", inbound.GetProperty("reason").GetString());
        Assert.Equal("support", inbound.GetProperty("queue").GetString());
        Assert.False(inbound.TryGetProperty("agent", out _), inbound.ToString());
        Assert.True(await harness.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 0"), await harness.MetricsAsync());

        // An agent logs in: the dialer calls +12125550100 through the trunk and the answered call reaches the agent.
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = await harness.AgentAsync("callback_keep_place_agent_answer.xml", agentPort);
        var trunkResult = await trunk;

        Assert.True(agent.ExitCode == 0, agent + await harness.ServerLogAsync());
        Assert.True(trunkResult.ExitCode == 0, trunkResult.ToString());
        var attempt = Assert.Single(await DialerSetup.AttemptsAsync(harness, 1));
        Assert.Equal("callback", attempt.GetProperty("campaign").GetString());
        Assert.Equal("+12125550100", attempt.GetProperty("number").GetString());
        Assert.StartsWith("kmp-", attempt.GetProperty("lead").GetString(), StringComparison.Ordinal);
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        var records = await harness.RecordsAsync(2);
        var callback = Assert.Single(records, r => r.GetProperty("direction").GetString() == "callback");
        Assert.Equal("+12125550100", callback.GetProperty("callerId").GetString());
        Assert.Equal("1002", callback.GetProperty("agent").GetString());
        Assert.Equal("support", callback.GetProperty("queue").GetString());
    }
}
