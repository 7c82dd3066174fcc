using System.Text.Json;
using Acd.Testing.Redis;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Two real Acd nodes on one real redis-server (different loopback ports, shared nonce key): a caller lands on node A
/// while agent 1002's phone registered through node B. Node A finds the phone in the shared binding store and rings
/// the address the REGISTER came from; routing decisions made on B about A's calls reach A over Redis; a node that
/// dies loses its waiting callers, and the surviving node counts them.
/// </summary>
public sealed class InboundTwoNodeTests
{
    private const string Available = "acd_agents{queue=\"support\",state=\"Available\"} 1";
    private static readonly string NonceKey = Convert.ToBase64String("acd-two-node-test-key"u8);

    [Fact]
    public async Task CallOnNodeA_AgentRegisteredThroughNodeB_NodeARingsAgentAndRecords()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await InboundCallHarness.StartAsync(null, Node(redis, "node-a"));
        await using var b = await a.StartPeerAsync("node-b", Node(redis, "node-b"));
        var agentPort = Sipp.FreePort();
        await b.RegisterAsync("1002", agentPort);
        Assert.True(await a.WaitForMetricAsync(Available), await a.MetricsAsync());

        var agent = a.AgentAsync("agent_answer.xml", agentPort);
        var caller = await a.CallerAsync("caller_support.xml");
        var phone = await agent;

        await AssertAnsweredOnNodeAAsync(a, b, phone, caller);
        Assert.Equal(":1", await redis.CommandAsync("XLEN {acd}:records"));
    }

    [Fact]
    public async Task CallerWaitingOnNodeA_AgentLogsInThroughNodeB_NodeARingsAgent()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await InboundCallHarness.StartAsync(null, Node(redis, "node-a"));
        await using var b = await a.StartPeerAsync("node-b", Node(redis, "node-b"));
        var caller = a.CallerAsync("caller_support.xml");
        Assert.True(await b.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 1"), await b.MetricsAsync() + await LogsAsync(a, b));

        // The agent's REGISTER on node B logs it in there; that decision offers A's waiting caller and is published to
        // node A, which rings the phone (the phone's UAS starts right after; it answers a retransmitted INVITE).
        var agentPort = Sipp.FreePort();
        await b.RegisterAsync("1002", agentPort);
        var phone = await a.AgentAsync("agent_answer.xml", agentPort);
        var call = await caller;

        await AssertAnsweredOnNodeAAsync(a, b, phone, call);
    }

    [Fact]
    public async Task CallerWaitingOnNodeA_NodeAKilled_NodeBCountsCallLostAndQueueEmpties()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await InboundCallHarness.StartAsync(null, [.. Node(redis, "node-a"), "--Acd:HeartbeatTtl=2"]);
        await using var b = await a.StartPeerAsync("node-b", [.. Node(redis, "node-b"), "--Acd:HeartbeatTtl=2"]);
        var caller = a.CallerAsync("caller_support_node_lost.xml", 1, "-d", "8000");
        Assert.True(await b.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 1"), await b.MetricsAsync() + await LogsAsync(a, b));

        a.Server.Process.Kill(entireProcessTree: true);
        await a.Server.Process.WaitForExitAsync();

        // After A's heartbeat lapses (2 s), B's due loop reaps A: its waiting caller is counted lost by failure.
        Assert.True(await b.WaitForMetricAsync("acd_queue_calls_waiting{queue=\"support\"} 0", TimeSpan.FromSeconds(10)), await b.MetricsAsync() + await LogsAsync(a, b));
        Assert.EndsWith("\n1", (await redis.CommandAsync("HGET {acd}:qs:support lost")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("lost: node node-a stopped heartbeating", await b.ServerLogAsync(), StringComparison.Ordinal);
        Assert.True(await b.WaitForMetricAsync("acd_queue_calls_lost_total{queue=\"support\"} 1", TimeSpan.FromSeconds(5)), await b.MetricsAsync());
        Assert.True((await caller).ExitCode == 0);
    }

    /// <summary>Arguments that put a node on the shared Redis under its own name, with the shared nonce key.</summary>
    private static string[] Node(RedisServer redis, string name) =>
        [$"--Redis:Configuration={redis.ConnectionString}", $"--Acd:Node={name}", $"--Sip:NonceKey={NonceKey}"];

    private static async Task<string> LogsAsync(InboundCallHarness a, InboundCallHarness b) =>
        "\n--- node A ---\n" + await a.ServerLogAsync() + "\n--- node B ---\n" + await b.ServerLogAsync();

    /// <summary>
    /// Both SIPp sides passed (the phone got node A's INVITE with the caller ID and queue headers, answered, got the
    /// BYE); node A wrote one answered record after the wrap-up, node B none; node B sees the agent available again.
    /// </summary>
    private static async Task AssertAnsweredOnNodeAAsync(InboundCallHarness a, InboundCallHarness b, SippResult phone, SippResult caller)
    {
        Assert.True(phone.ExitCode == 0, phone + await LogsAsync(a, b));
        Assert.True(caller.ExitCode == 0, caller + await LogsAsync(a, b));
        var records = await a.RecordsAsync(1);
        Assert.True(records.Count == 1, $"{records.Count} records on node A" + await LogsAsync(a, b));
        AssertAnswered(records[0]);
        Assert.Empty(await b.RecordsAsync(0));
        Assert.True(await b.WaitForMetricAsync(Available), await b.MetricsAsync());
    }

    private static void AssertAnswered(JsonElement record)
    {
        var text = record.ToString();
        Assert.True(string.Equals(record.GetProperty("outcome").GetString(), "answered", StringComparison.OrdinalIgnoreCase), text);
        Assert.Equal("node-a", record.GetProperty("node").GetString());
        Assert.Equal("support", record.GetProperty("queue").GetString());
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Equal("+15551234567", record.GetProperty("callerId").GetString());
        Assert.InRange(record.GetProperty("talkSeconds").GetDouble(), 2, 15);
        Assert.InRange(record.GetProperty("wrapUpSeconds").GetDouble(), 1.5, 6);
        var agentLeg = record.GetProperty("legs").EnumerateArray().Single(l => l.GetProperty("role").GetString() == "agent");
        Assert.Equal(200, agentLeg.GetProperty("status").GetInt32());
        Assert.True(agentLeg.GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 100, text);
    }
}
