using System.Globalization;
using Acd.Integration.Tests.Server;
using Acd.Testing.Redis;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>The dialer's state in a real redis-server survives a restart of the node.</summary>
public sealed class DialerRestartTests
{
    [Fact]
    public async Task Restart_SameRedis_AttemptedLeadNotRedialedOptOutNeverDialedAbandonWindowKept()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] node = [$"--Redis:Configuration={redis.ConnectionString}", "--Acd:Node=dialer-r"];
        var trunkPort = Sipp.FreePort();
        var surveyPort = Sipp.FreePort();
        var window = DialerSetup.NewYorkWindow();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone,name", "L1,+12125550100,Ada"], new DialerSetupOptions
        {
            ExtraTrunks = $"  - name: survey-trunk\n    host: 127.0.0.1\n    port: {surveyPort.ToString(CultureInfo.InvariantCulture)}\n    username: acd\n    password: {DialerSetup.Password}\n    maxChannels: 2\n    maxCallsPerSecond: 5",
            ExtraCampaigns = $"  - id: survey\n    mode: agentless\n    callerId: \"+12125550123\"\n    trunks: [survey-trunk]\n    leads: survey.csv\n    message: goodbye.wav\n    amd: false\n    calleeWindow: {window}\n    start: true",
        });
        var survey = Path.Combine(setup.Root, "survey.csv");
        await File.WriteAllLinesAsync(survey, ["id,phone", "S1,+12125550107"]);

        // Run 1: L1 answers but no agent takes it (abandoned: 72 h before a redial); S1 presses 9 (opted out).
        await using (var first = await InboundCallHarness.StartAsync(null, [.. setup.ServerArgs, .. node]))
        {
            var agentPort = Sipp.FreePort();
            await first.RegisterAsync("1002", agentPort);
            var agent = first.AgentAsync("trunk_agent_no_answer.xml", agentPort);
            var optOut = setup.TrunkAsync(OptOutScenario(), first, 1, surveyPort);
            var trunk = await setup.TrunkAsync("trunk_answer.xml", first, 1);

            Assert.True(trunk.ExitCode == 0, trunk + await first.ServerLogAsync());
            Assert.True((await optOut).ExitCode == 0, (await optOut) + await first.ServerLogAsync());
            Assert.True((await agent).ExitCode == 0, (await agent).ToString());
            var attempts = await DialerSetup.AttemptsAsync(first, 2);
            Assert.Contains(attempts, a => a.GetProperty("lead").GetString() == "L1" && a.GetProperty("outcome").GetString() == "Abandoned");
            Assert.Contains(attempts, a => a.GetProperty("lead").GetString() == "S1" && a.GetProperty("outcome").GetString() == "Dnc");
            Assert.True(await first.WaitForMetricAsync("acd_dialer_abandon_ratio{campaign=\"reminders\"} 1"), await first.MetricsAsync());
            first.Server.Process.Kill(entireProcessTree: true);
            await first.Server.Process.WaitForExitAsync();
        }

        // Run 2, same Redis: a re-imported survey list has the opted-out number again under a new lead id.
        await File.WriteAllLinesAsync(survey, ["id,phone", "S2,+12125550107"]);
        await using var second = await InboundCallHarness.StartAsync(null, [.. setup.ServerArgs, .. node]);
        await second.RegisterAsync("1002", Sipp.FreePort());

        Assert.True(await second.WaitForMetricAsync("acd_dialer_compliance_blocks_total{campaign=\"survey\",rule=\"do_not_call\"} 1"), await second.MetricsAsync() + await second.ServerLogAsync());
        Assert.True(await second.WaitForMetricAsync("acd_dialer_abandon_ratio{campaign=\"reminders\"} 1"), await second.MetricsAsync());
        var log = await second.ServerLogAsync();
        Assert.Contains("Campaign reminders: 1 attempts restored", log, StringComparison.Ordinal);

        // Several pacing ticks with an agent free: L1 (abandoned, retry in 72 h) and S2 (opted-out number) stay undialed.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(await DialerSetup.AttemptsAsync(second, 1, TimeSpan.Zero));
        Assert.Equal(":1", await redis.CommandAsync("XLEN acd:dialer:attempts:reminders"));
    }

    /// <summary>The machine trunk made a person who presses 9 a second after answering (RFC 4733 from SIPp's pcap).</summary>
    private static string OptOutScenario() => Sipp.WriteScenario("trunk-opt-out", File.ReadAllText(InboundCallHarness.Scenario("trunk_machine.xml"))
        .Replace("<nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"/></action></nop>",
            "<pause milliseconds=\"1000\"/>\n  <nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_9.pcap\"/></action></nop>", StringComparison.Ordinal));
}
