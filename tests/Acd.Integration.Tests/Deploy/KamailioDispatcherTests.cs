using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Acd.Integration.Tests.Server;
using Acd.Testing.Redis;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Deploy;

/// <summary>
/// deploy/kamailio/kamailio.cfg in front of two real Acd nodes on loopback: requests are spread over both, and
/// when one node stops the requests go to the other. The full-path test sends everything through Kamailio, as
/// phones that know one address do: agents register through it, callers dial the main number through it, the
/// nodes ring the agents through it.
/// </summary>
public sealed partial class KamailioDispatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly string NonceKey = Convert.ToBase64String("acd-kamailio-test-key"u8);

    /// <summary>Agents 1011..1018, support level 9 (offered at once), added to the sample contact center.</summary>
    private static readonly string[] Agents = [.. Enumerable.Range(1011, 8).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Check_ShippedConfig_IsValid()
    {
        var list = Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "kamailio", "dispatcher.list");
        using var kamailio = Process.Start(KamailioProxy.Start("-c", "-f", KamailioProxy.Config, "-A", $"DS_LIST=\"{list}\""))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stderr = kamailio.StandardError.ReadToEndAsync(timeout.Token);
        var stdout = kamailio.StandardOutput.ReadToEndAsync(timeout.Token);
        await kamailio.WaitForExitAsync(timeout.Token);

        Assert.True(kamailio.ExitCode == 0, await stdout + await stderr);
        Assert.Contains("config file ok", await stderr + await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_TwoNodes_SpreadsThenFailsOver()
    {
        await using var a = AcdServerProcess.Start("--Sip:Transports=udp");
        await using var b = AcdServerProcess.Start("--Sip:Transports=udp");
        await a.WaitForHealthAsync();
        await b.WaitForHealthAsync();

        // Without probing, the dead node is found by the INVITE/OPTIONS timeout (1.5 s) and the failure route.
        await using var kamailio = await KamailioProxy.StartAsync([a, b], probing: false);
        var spread = await Sipp.RunAsync(Scenario("options.xml"), kamailio.Target, calls: 20, Timeout, ["-r", "20"]);
        Assert.True(spread.ExitCode == 0, spread.ToString());
        // A node counts every OPTIONS it receives: on a loaded box Kamailio's retransmission (after 500 ms without a
        // reply) counts again, hence "at least".
        var (aCount, bCount) = (await OptionsAsync(a), await OptionsAsync(b));
        Assert.InRange(aCount + bCount, 20, 30);
        Assert.True(aCount >= 5 && bCount >= 5, $"round robin: node A {aCount}, node B {bCount}");

        await a.DisposeAsync();
        var failover = await Sipp.RunAsync(Scenario("options.xml"), kamailio.Target, calls: 10, Timeout, ["-r", "5"]);

        Assert.True(failover.ExitCode == 0, failover.ToString());
        Assert.InRange(await OptionsAsync(b), bCount + 10, bCount + 20);
    }

    /// <summary>
    /// Two nodes on one Redis behind the shipped Kamailio config (with probing). Eight agents register through
    /// Kamailio (their bindings' source is Kamailio, so the nodes ring them through it); eight callers dial 100
    /// through Kamailio, press 2 and are answered by an agent, on both nodes; the callers hang up. Node A is then
    /// killed: six new callers all reach node B, are answered and this time the agents hang up (the node's BYE to
    /// the caller also crosses Kamailio).
    /// </summary>
    [Fact]
    public async Task FullPath_CallersAndAgentsThroughKamailio_BothNodesAnswerThenSurvivorTakesAll()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await InboundCallHarness.StartAsync(AddAgents, Node(redis, "node-a"));
        await using var b = await a.StartPeerAsync("node-b", Node(redis, "node-b"));
        await using var kamailio = await KamailioProxy.StartAsync([a.Server, b.Server]);
        var agentPort = Sipp.FreePort();
        foreach (var agent in Agents)
        {
            var registered = await Sipp.RunAsync(InboundCallHarness.Scenario("agent_register.xml"), kamailio.Target, 1, TimeSpan.FromSeconds(15),
                ["-p", InboundCallHarness.Port(agentPort), "-s", agent, "-au", agent, "-ap", "demo" + agent, "-key", "expires", "600"]);
            Assert.True(registered.ExitCode == 0, registered + await LogsAsync(a, b));
        }

        var allAvailable = $"acd_agents{{queue=\"support\",state=\"Available\"}} {Agents.Length}";
        Assert.True(await a.WaitForMetricAsync(allAvailable) && await b.WaitForMetricAsync(allAvailable), await a.MetricsAsync() + await LogsAsync(a, b));

        // Phase 1: eight callers at 4/s, round robin over the two nodes; all eight agents' phones are one SIPp UAS.
        var (phones, callers) = await CallAsync(a, kamailio, agentPort, "agent_answer.xml", "caller_support.xml", 8);
        Assert.True(callers.ExitCode == 0, callers + await LogsAsync(a, b));
        Assert.True(phones.ExitCode == 0, phones + await LogsAsync(a, b));
        var (onA, onB) = await RecordsAsync(a, b, 8);
        Assert.True(onA.Count + onB.Count == 8, $"{onA.Count} + {onB.Count} records" + await LogsAsync(a, b));
        Assert.True(onA.Count >= 2 && onB.Count >= 2, $"round robin: node A {onA.Count} calls, node B {onB.Count}");
        AssertAnswered(onA, "node-a", "caller-hangup");
        AssertAnswered(onB, "node-b", "caller-hangup");
        Assert.True(await a.WaitForMetricAsync($"acd_calls_total{{outcome=\"answered\"}} {onA.Count}"), await a.MetricsAsync());
        Assert.True(await b.WaitForMetricAsync($"acd_calls_total{{outcome=\"answered\"}} {onB.Count}"), await b.MetricsAsync());
        Assert.True(await b.WaitForMetricAsync(allAvailable), await b.MetricsAsync());

        // Phase 2: node A dies; Kamailio's probe (or the INVITE timeout) takes it out and every new call lands on B.
        await a.Server.DisposeAsync();
        (phones, callers) = await CallAsync(b, kamailio, agentPort, "agent_answer_hangup.xml", "caller_support_until_bye.xml", 6);
        Assert.True(callers.ExitCode == 0, callers + await LogsAsync(a, b));
        Assert.True(phones.ExitCode == 0, phones + await LogsAsync(a, b));
        var (afterA, afterB) = await RecordsAsync(a, b, onA.Count + onB.Count + 6);
        Assert.Equal(onA.Count, afterA.Count);
        Assert.Equal(onB.Count + 6, afterB.Count);
        AssertAnswered(afterB.Skip(onB.Count).ToList(), "node-b", "agent-hangup");
        Assert.True(await b.WaitForMetricAsync($"acd_calls_total{{outcome=\"answered\"}} {onB.Count + 6}"), await b.MetricsAsync());
    }

    /// <summary>Runs <paramref name="calls"/> callers at 4/s through Kamailio against one agent UAS on <paramref name="agentPort"/>.</summary>
    private static async Task<(SippResult Phones, SippResult Callers)> CallAsync(
        InboundCallHarness node, KamailioProxy kamailio, int agentPort, string agentScenario, string callerScenario, int calls)
    {
        var phones = node.AgentAsync(agentScenario, agentPort, calls);
        var callers = await Sipp.RunAsync(KamailioProxy.ThroughProxy(callerScenario), kamailio.Target, calls, InboundCallHarness.SippTimeout,
            ["-mp", InboundCallHarness.Port(Sipp.FreePort()), "-r", "4"]);
        return (await phones, callers);
    }

    /// <summary>Waits (bounded) until the two nodes together wrote <paramref name="total"/> records.</summary>
    private static async Task<(IReadOnlyList<JsonElement> A, IReadOnlyList<JsonElement> B)> RecordsAsync(InboundCallHarness a, InboundCallHarness b, int total)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var (onA, onB) = (await a.RecordsAsync(0), await b.RecordsAsync(0));
            if (onA.Count + onB.Count >= total || DateTime.UtcNow > deadline)
            {
                return (onA, onB);
            }

            await Task.Delay(200);
        }
    }

    private static void AssertAnswered(IReadOnlyList<JsonElement> records, string node, string reason)
    {
        foreach (var record in records)
        {
            var text = record.ToString();
            Assert.True(string.Equals(record.GetProperty("outcome").GetString(), "answered", StringComparison.OrdinalIgnoreCase), text);
            Assert.Equal(node, record.GetProperty("node").GetString());
            Assert.Equal(reason, record.GetProperty("reason").GetString());
            Assert.Equal("support", record.GetProperty("queue").GetString());
            Assert.Contains(record.GetProperty("agent").GetString(), Agents);
            InboundCallHarness.AssertBridged(record);
        }
    }

    private static string AddAgents(string config)
    {
        const string Anchor = "  \"1004\":";
        var line = config.IndexOf('\n', config.IndexOf(Anchor, StringComparison.Ordinal)) + 1;
        Assert.True(line > 0, "sample agent 1004 not found");
        return config.Insert(line, string.Concat(Agents.Select(id => $"  \"{id}\": {{ name: Agent {id}, password: demo{id}, skills: {{ support: 9 }} }}\n")));
    }

    private static string[] Node(RedisServer redis, string name) =>
        [$"--Redis:Configuration={redis.ConnectionString}", $"--Acd:Node={name}", $"--Sip:NonceKey={NonceKey}"];

    private static async Task<string> LogsAsync(InboundCallHarness a, InboundCallHarness b) =>
        "\n--- node A ---\n" + await a.ServerLogAsync() + "\n--- node B ---\n" + await b.ServerLogAsync();

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    private static async Task<int> OptionsAsync(AcdServerProcess node)
    {
        using var client = new HttpClient { BaseAddress = node.HttpAddress };
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var match = OptionsCounter().Match(metrics);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex("""acd_sip_requests_total\{method="OPTIONS"\} (\d+)""")]
    private static partial Regex OptionsCounter();
}
