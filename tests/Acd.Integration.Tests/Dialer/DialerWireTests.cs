using System.Globalization;
using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// The dialer's call handling seen on the wire: SIPp trunks that never answer, answer late, are out of service, log each
/// line's life, or answer with a spoken greeting; SIPp agents take the connected calls.
/// </summary>
public sealed class DialerWireTests
{
    [Fact]
    public async Task Campaign_CalleeNeverAnswers_CancelNoEarlierThanMinimumRingTimeAndNoAnswer()
    {
        // The compliance rules refuse a ring timeout under 15 s (CampaignConfig: minRingTime >= 15 s), so the campaign
        // uses exactly the minimum and the test takes ~16 s.
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone", "L1,+12125550100"], new DialerSetupOptions { RingTimeout = "15s" });
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_no_answer.xml", harness, 1, null, setup.LogTo("ring.log", out var log));

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var ring = RingMilliseconds(await File.ReadAllTextAsync(log));
        Assert.InRange(ring, 15_000, 17_000);
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("NoAnswer", attempt.GetProperty("outcome").GetString());
        Assert.True(await WaitForCallsAsync(harness, "no_answer", 1), await harness.MetricsAsync());
    }

    [Fact]
    public async Task Campaign_CalleeAnswersAfterSixSecondsOfRinging_ConnectedToAgent()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone,name", "L1,+12125550100,Ada"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);

        var trunk = await setup.TrunkAsync("trunk_slow_answer.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        Assert.True(attempt.GetProperty("ended").GetDateTimeOffset() - attempt.GetProperty("started").GetDateTimeOffset() >= TimeSpan.FromSeconds(6), attempt.ToString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("answered", record.GetProperty("outcome").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Campaign_FirstTrunkAnswers503_CallGoesOutOnSecondTrunk()
    {
        var trunkPort = Sipp.FreePort();
        var backupPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone,name", "L1,+12125550100,Ada"], new DialerSetupOptions { BackupTrunkPort = backupPort });
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);
        var backup = setup.TrunkAsync("trunk_answer.xml", harness, 1, backupPort);

        var down = await setup.TrunkAsync("trunk_unavailable.xml", harness, calls: 1);

        Assert.True(down.ExitCode == 0, down + await harness.ServerLogAsync());
        Assert.True((await backup).ExitCode == 0, (await backup) + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        Assert.Equal("backup", attempt.GetProperty("trunk").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{reason=\"unavailable\",trunk=\"carrier\"} 1")
            || await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{trunk=\"carrier\",reason=\"unavailable\"} 1", TimeSpan.FromSeconds(1)), await harness.MetricsAsync());
        Assert.Contains("Trunk carrier failed call", await harness.ServerLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_ProgressiveWithTwoAgents_NeverMoreThanTwoLinesUpOnTheTrunk()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads:
            ["id,phone,name", "L1,+12125550100,Ada", "L2,+12125550102,Bob", "L3,+12125550103,Cy", "L4,+12125550104,Di"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);

        // Both agents of queue support on one SIPp phone: whichever is picked, the call lands on it.
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        await harness.RegisterAsync("1004", agentPort);
        var anyLead = File.ReadAllText(InboundCallHarness.Scenario("trunk_agent_answer.xml"))
            .Replace("check_it=\"true\" assign_to=\"from\"", "assign_to=\"from\"", StringComparison.Ordinal)
            .Replace("check_it=\"true\" assign_to=\"lead\"", "assign_to=\"lead\"", StringComparison.Ordinal)
            .Replace("check_it=\"true\" assign_to=\"name\"", "assign_to=\"name\"", StringComparison.Ordinal);
        var agent = Sipp.RunAsync(Sipp.WriteScenario("trunk-agent-any-lead", anyLead), harness.Server.SipTarget, 4, InboundCallHarness.SippTimeout,
            ["-p", InboundCallHarness.Port(agentPort), "-mp", InboundCallHarness.Port(Sipp.FreePort()), "-rtp_echo"]);

        var trunk = await setup.TrunkAsync("trunk_answer_logged.xml", harness, 4, null, setup.LogTo("lines.log", out var log));

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempts = await setup.AttemptsAsync(harness, 4);
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, a => Assert.Equal("AnsweredHuman", a.GetProperty("outcome").GetString()));
        var (peak, lines) = PeakLines(await File.ReadAllTextAsync(log));
        Assert.Equal(4, lines);
        Assert.True(peak == 2, $"peak {peak} lines up at once with 2 agents:\n{await File.ReadAllTextAsync(log)}");
    }

    [Fact]
    public async Task Campaign_ShortHelloThenSilenceOnLiveRtp_AmdDecidesHumanAndAgentTakesIt()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone,name", "L1,+12125550100,Ada"], new DialerSetupOptions { Amd = true, AmdGreeting = "1000ms" });
        var greeting = await GreetingPcap.CreateAsync(setup.Root);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);

        var trunk = await setup.TrunkAsync("trunk_human_greeting.xml", harness, 1, null, "-key", "greeting", greeting);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());

        // A verdict, not the budget running out (NOTSURE, also handed to an agent, takes the whole 1.75 s).
        var metrics = await harness.MetricsAsync();
        var amd = Sample(metrics, "acd_dialer_amd_seconds_sum{campaign=\"reminders\"}");
        Assert.True(Sample(metrics, "acd_dialer_amd_seconds_count{campaign=\"reminders\"}") == 1, metrics);
        Assert.True(amd is > 0.5 and < 1.6, $"AMD took {amd} s: {metrics}");
    }

    /// <summary>ring_ms from the no-answer trunk's log.</summary>
    private static double RingMilliseconds(string log)
    {
        var line = log.Split('\n').Single(l => l.StartsWith("ring_ms ", StringComparison.Ordinal));
        return double.Parse(line["ring_ms ".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The most lines up at once on the trunk ("up n us" / "down n us" lines) and how many lines there were.</summary>
    private static (int Peak, int Lines) PeakLines(string log)
    {
        var events = new List<(double At, int Delta)>();
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] is "up" or "down")
            {
                events.Add((double.Parse(parts[2], CultureInfo.InvariantCulture), parts[0] == "up" ? 1 : -1));
            }
        }

        var peak = 0;
        var up = 0;
        foreach (var e in events.OrderBy(e => e.At).ThenBy(e => e.Delta))
        {
            up += e.Delta;
            peak = Math.Max(peak, up);
        }

        return (peak, events.Count(e => e.Delta > 0));
    }

    private static double Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).First();

    private static async Task<bool> WaitForCallsAsync(InboundCallHarness harness, string outcome, int count) =>
        await harness.WaitForMetricAsync($"acd_dialer_calls_total{{campaign=\"reminders\",outcome=\"{outcome}\"}} {count}", TimeSpan.FromSeconds(5))
        || await harness.WaitForMetricAsync($"acd_dialer_calls_total{{outcome=\"{outcome}\",campaign=\"reminders\"}} {count}", TimeSpan.FromSeconds(1));
}
