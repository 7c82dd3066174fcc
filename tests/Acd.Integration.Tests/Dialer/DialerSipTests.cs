using Acd.Integration.Tests.Server;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// The outbound dialer on the real server: SIPp is the SIP trunk (digest challenge, caller ID checks, then answers as a
/// person, as a machine, busy, or refuses the credentials) and SIPp agents take the connected calls.
/// </summary>
public sealed class DialerSipTests
{
    private const string Password = DialerSetup.Password;

    [Fact]
    public async Task Campaign_TrunkWithDigest_HumanToAgentAndDncAndOutOfWindowNeverDialed()
    {
        // Leads: a do-not-call number and one out of its calling window come first: they are checked (and refused) in the
        // same pacing tick that dials the person, so the trunk would see their INVITE before or with the good one.
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads:
        [
            "id,phone,name",
            "L2,+12125550101,Bob",
            "L3,+18085550100,Kai",
            "L1,+12125550100,Ada",
            "L4,12345,Bad",
            "L5,\"+1 212 555 0102,Eve",
        ]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var trunk = setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);

        var trunkResult = await trunk;
        var agentResult = await agent;

        Assert.True(trunkResult.ExitCode == 0, trunkResult + await harness.ServerLogAsync());
        Assert.True(agentResult.ExitCode == 0, agentResult.ToString());
        var attempts = await setup.AttemptsAsync(harness, 1);
        var attempt = Assert.Single(attempts);
        Assert.Equal("L1", attempt.GetProperty("lead").GetString());
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        Assert.Equal("carrier", attempt.GetProperty("trunk").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_compliance_blocks_total{campaign=\"reminders\",rule=\"do_not_call\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_compliance_blocks_total{campaign=\"reminders\",rule=\"calling_window\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_import_rejected_rows_total{campaign=\"reminders\"}"), await harness.MetricsAsync());
        var log = await harness.ServerLogAsync();
        Assert.Contains("line 5 not imported", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        var records = await harness.RecordsAsync(1);
        var record = Assert.Single(records);
        Assert.Equal("+12125550100", record.GetProperty("callerId").GetString());
        Assert.DoesNotContain(Password, record.ToString(), StringComparison.Ordinal);

        // Nothing else reaches the trunk: the DNC and out-of-window leads stay undialed however long the campaign runs.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await setup.AttemptsAsync(harness, 1));
    }

    [Fact]
    public async Task Campaign_NoAgentAnswersInTime_IdentificationMessageWithin2sAndAbandonRecorded()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone,name", "L1,+12125550100,Ada"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_no_answer.xml", agentPort);

        var trunk = await setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Abandoned", attempt.GetProperty("outcome").GetString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("abandoned", record.GetProperty("outcome").GetString()?.ToLowerInvariant());
        var arrived = record.GetProperty("arrived").GetDateTimeOffset();
        var maxWait = record.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "max-wait").GetProperty("time").GetDateTimeOffset();
        Assert.True(maxWait - arrived <= TimeSpan.FromSeconds(2), $"identification message started {(maxWait - arrived).TotalMilliseconds} ms after the hand-over: {record}");
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_abandon_ratio{campaign=\"reminders\"} 1"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task Campaign_TrunkRejectsCredentials_FailedAttemptMetricAndClearError()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_auth_reject.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Failed", attempt.GetProperty("outcome").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{reason=\"auth_rejected\",trunk=\"carrier\"} 1")
            || await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{trunk=\"carrier\",reason=\"auth_rejected\"} 1"), await harness.MetricsAsync());
        var log = await harness.ServerLogAsync();
        Assert.Contains("Trunk carrier rejected our credentials (403)", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_MachineGreeting_AmdOnLiveRtpHangsUpWithoutAgent()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: true, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_machine.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Machine", attempt.GetProperty("outcome").GetString());
        Assert.Empty(await harness.RecordsAsync(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Campaign_CalleeBusy_BusyAttemptRetriedLater()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_busy.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Busy", attempt.GetProperty("outcome").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_calls_total{campaign=\"reminders\",outcome=\"busy\"} 1"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task Server_CampaignWithoutCallerId_RefusesToStartNamingTheCampaign()
    {
        await using var setup = await DialerSetup.CreateAsync(Sipp.FreePort(), amd: false, leads: ["id,phone", "L1,+12125550100"], callerId: null);
        await using var server = AcdServerProcess.Start([
            $"--Acd:Config={Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml")}",
            $"--Ivr:Scripts={Path.Combine(AcdServerProcess.RepositoryRoot(), "ivr-scripts")}",
            .. setup.ServerArgs,
        ]);

        var (exit, stderr) = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains("campaigns[0].callerId", stderr, StringComparison.Ordinal);
        Assert.Contains("reminders", stderr, StringComparison.Ordinal);
    }
}
