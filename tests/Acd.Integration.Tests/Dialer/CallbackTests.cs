using System.Globalization;
using System.Net;
using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// Scheduled callbacks on the real server: scheduled through the API, dialed through the SIPp trunk (digest, the
/// external policy's caller ID) at their time once the agent is free, handed to the named SIPp agent, recorded.
/// </summary>
public sealed class CallbackTests
{
    /// <summary>The external policy (callbacks to numbers) on the test trunk, with the caller ID trunk_answer.xml checks.</summary>
    internal const string External = "external: { enabled: true, trunks: [carrier], allowedRegions: [US], callerId: \"+12125550123\" }";

    [Fact]
    public async Task ScheduledCallback_NearTime_DialedThroughTrunkToNamedAgentAndRecorded()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone"], new DialerSetupOptions { ExtraCampaigns = External });
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        using var agentApi = new ApiClient(harness.Server.HttpAddress, ApiClient.Agent1002);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("callback_agent_answer.xml", agentPort);
        var trunk = setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);

        // An agent schedules for someone else: refused; for itself (no agent named): accepted, two seconds ahead.
        using (var other = await agentApi.SendAsync(HttpMethod.Post, "/api/callbacks", """{"number":"+12125550100","queue":"support","agent":"1001"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        var scheduled = await agentApi.JsonAsync(HttpMethod.Post, "/api/callbacks",
            $$"""{"number":"(212) 555-0100","queue":"support","at":"{{at.ToString("O", CultureInfo.InvariantCulture)}}"}""");
        Assert.Equal("+12125550100", scheduled.GetProperty("number").GetString());
        Assert.Equal("1002", scheduled.GetProperty("agent").GetString());
        var id = scheduled.GetProperty("id").GetString();
        var pending = await agentApi.JsonAsync(HttpMethod.Get, "/api/callbacks");
        Assert.Contains(pending.EnumerateArray(), p => p.GetProperty("id").GetString() == id);

        var trunkResult = await trunk;
        var agentResult = await agent;

        Assert.True(trunkResult.ExitCode == 0, trunkResult + await harness.ServerLogAsync());
        Assert.True(agentResult.ExitCode == 0, agentResult.ToString());
        var attempt = Assert.Single(await DialerSetup.AttemptsAsync(harness, 1));
        Assert.Equal("callback", attempt.GetProperty("campaign").GetString());
        Assert.Equal(id, attempt.GetProperty("lead").GetString());
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        Assert.True(attempt.GetProperty("started").GetDateTimeOffset() >= at.AddMilliseconds(-50), attempt.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("+12125550100", record.GetProperty("callerId").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Equal("callback", record.GetProperty("direction").GetString());
        Assert.Empty((await agentApi.JsonAsync(HttpMethod.Get, "/api/callbacks")).EnumerateArray());
    }
}
