using System.Diagnostics;
using System.Globalization;
using Acd.Testing.Redis;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// SIGTERM on the real server with a call up: new INVITEs (and OPTIONS probes) get 503 with Retry-After while the
/// node drains, the call in progress ends by itself or is hung up (BYE to both parties) at Acd:DrainTimeout, its record
/// is written and the process exits 0. Restarted on the same Redis, a paused agent is still paused, and an agent whose
/// call died with a killed node is not left on that call.
/// </summary>
public sealed class GracefulShutdownTests
{
    private const string OnCall = "acd_agents{queue=\"support\",state=\"OnCall\"} 1";
    private static readonly string NonceKey = Convert.ToBase64String("acd-shutdown-test-key"u8);

    [Fact]
    public async Task Sigterm_CallEndsByItself_NewCallsAndProbesGet503ThenRecordWrittenAndExit0()
    {
        await using var harness = await InboundCallHarness.StartAsync(null, "--Acd:DrainTimeout=30");
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        var phone = harness.AgentAsync("agent_answer_hangup.xml", agentPort); // talks 4 s, then hangs up
        var caller = harness.CallerAsync("caller_support_until_bye.xml");
        Assert.True(await harness.WaitForMetricAsync(OnCall), await DiagnosticsAsync(harness));

        var stopwatch = Stopwatch.StartNew();
        await SigtermAsync(harness);

        var refused = await harness.CallerAsync("caller_draining_503.xml");
        Assert.True(refused.ExitCode == 0, refused + await DiagnosticsAsync(harness));
        var probe = await Sipp.RunAsync(InboundCallHarness.Scenario("options_draining.xml"), harness.Server.SipTarget, 1, TimeSpan.FromSeconds(10), []);
        Assert.True(probe.ExitCode == 0, probe + await DiagnosticsAsync(harness));

        Assert.True((await phone).ExitCode == 0, (await phone).ToString());
        Assert.True((await caller).ExitCode == 0, (await caller).ToString());
        var (exit, stderr) = await harness.Server.WaitForExitAsync(TimeSpan.FromSeconds(25));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"the node waited {stopwatch.Elapsed} although its call had ended");

        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("answered", record.GetProperty("outcome").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Contains("draining", await harness.ServerLogAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sigterm_CallOutlastsTheDrain_HungUpWithByeAtTheTimeoutAndRecorded()
    {
        await using var harness = await InboundCallHarness.StartAsync(null, "--Acd:DrainTimeout=3");
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        var phone = harness.AgentAsync("agent_answer.xml", agentPort); // waits for our BYE
        var caller = harness.CallerAsync("caller_support_until_bye.xml"); // waits for our BYE
        Assert.True(await harness.WaitForMetricAsync(OnCall), await DiagnosticsAsync(harness));

        var stopwatch = Stopwatch.StartNew();
        await SigtermAsync(harness);

        // Both parties get a BYE about 3 s later (their scenarios end with it) and the node exits.
        Assert.True((await phone).ExitCode == 0, (await phone) + await DiagnosticsAsync(harness));
        Assert.True((await caller).ExitCode == 0, (await caller).ToString());
        var (exit, stderr) = await harness.Server.WaitForExitAsync(TimeSpan.FromSeconds(25));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));

        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("answered", record.GetProperty("outcome").GetString());
        Assert.Equal("shutdown", record.GetProperty("reason").GetString());
        Assert.All(record.GetProperty("legs").EnumerateArray(), leg => Assert.Equal("shutdown", leg.GetProperty("endReason").GetString()));
        Assert.InRange(record.GetProperty("talkSeconds").GetDouble(), 2, 15);
    }

    [Fact]
    public async Task Restart_SameRedis_PausedAgentStaysPausedAndAgentOfAKilledCallIsFreed()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] node = [$"--Redis:Configuration={redis.ConnectionString}", "--Acd:Node=node-r", $"--Sip:NonceKey={NonceKey}", "--Acd:HeartbeatTtl=30"];

        var orphans = new List<Task<SippResult>>();

        // Run 1: 1002 pauses for lunch, 1003 takes a claims call; the node is killed (no drain) in the middle of it.
        await using (var first = await InboundCallHarness.StartAsync(null, node))
        {
            await first.RegisterAsync("1002", Sipp.FreePort());
            var port1003 = Sipp.FreePort();
            await first.RegisterAsync("1003", port1003);
            Assert.True(await first.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await first.MetricsAsync());
            var pause = await first.CallerAsync("agent_feature_code.xml", 1, "-s", "*462", "-au", "1002", "-ap", "demo1002");
            Assert.True(pause.ExitCode == 0, pause + await DiagnosticsAsync(first));
            Assert.True(await first.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Paused\"} 1"), await DiagnosticsAsync(first));

            // Both parties wait for a BYE that never comes: their SIPp runs time out by themselves (bounded).
            var bounded = TimeSpan.FromSeconds(20);
            orphans.Add(Sipp.RunAsync(Claims("agent_answer.xml", "agent"), first.Server.SipTarget, 1, bounded,
                ["-p", InboundCallHarness.Port(port1003), "-mp", InboundCallHarness.Port(Sipp.FreePort()), "-rtp_echo"]));
            orphans.Add(Sipp.RunAsync(Claims("caller_support_until_bye.xml", "caller"), first.Server.SipTarget, 1, bounded,
                ["-mp", InboundCallHarness.Port(Sipp.FreePort())]));
            Assert.True(await first.WaitForMetricAsync("acd_agents{queue=\"claims\",state=\"OnCall\"} 1"), await DiagnosticsAsync(first));
            first.Server.Process.Kill(entireProcessTree: true);
            await first.Server.Process.WaitForExitAsync();
        }

        // Run 2, same node name, within the heartbeat: the phones' bindings are still in Redis, nobody re-registers.
        await using var second = await InboundCallHarness.StartAsync(null, node);
        Assert.True(await second.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Paused\"} 1"), await DiagnosticsAsync(second));
        Assert.True(await second.WaitForMetricAsync("acd_agents{queue=\"claims\",state=\"OnCall\"} 0"), await DiagnosticsAsync(second));
        Assert.True(await second.WaitForMetricAsync("acd_agents{queue=\"claims\",state=\"Available\"} 1"), await DiagnosticsAsync(second));
        Assert.Contains("reaped", await second.ServerLogAsync(), StringComparison.Ordinal);

        // A refreshing REGISTER does not undo the pause either.
        await second.RegisterAsync("1002", Sipp.FreePort());
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(await second.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Paused\"} 1"), await DiagnosticsAsync(second));
        await Task.WhenAll(orphans);
    }

    /// <summary>A support scenario made a claims one: the caller presses 3 (claims: only 1003 is registered), the phone expects claims.</summary>
    private static string Claims(string scenario, string name)
    {
        var text = File.ReadAllText(InboundCallHarness.Scenario(scenario))
            .Replace("dtmf_2833_2.pcap", "dtmf_2833_3.pcap", StringComparison.Ordinal)
            .Replace("support", "claims", StringComparison.Ordinal);
        return Sipp.WriteScenario("claims-" + name, text);
    }

    /// <summary>Sends SIGTERM and waits (bounded) until the node says it is draining.</summary>
    private static async Task SigtermAsync(InboundCallHarness harness)
    {
        using (var kill = Process.Start("kill", ["-TERM", harness.Server.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(await harness.ServerLogAsync()).Contains("new calls refused", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the node never started draining\n" + await harness.ServerLogAsync());
            await Task.Delay(100);
        }
    }

    private static async Task<string> DiagnosticsAsync(InboundCallHarness harness)
    {
        string metrics;
        try
        {
            metrics = await harness.MetricsAsync();
        }
        catch (HttpRequestException)
        {
            metrics = "(the node has exited)";
        }

        return "\n" + metrics + "\n--- server log ---\n" + await harness.ServerLogAsync();
    }
}
