using System.Net;
using System.Text;
using System.Text.Json;
using Acd.Integration.Tests.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Transfers on the real server. Blind: SIPp agent 1002 (support) sends REFER to the claims queue and sees the RFC 3515
/// NOTIFYs; claims agent 1003 (SIPp) gets the call with the original caller ID. Attended: agent 1002's phone is our own
/// user agent (on the port SIPp registered): it answers the support call, holds the caller, calls 1004's extension
/// through the server (digest-authenticated), then REFERs the caller's dialog with Replaces naming that consult
/// dialog; the caller (SIPp, its audio echoed by 1004's SIPp phone) ends up talking to 1004.
/// </summary>
public sealed class CallTransferTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Refer_SupportAgentToClaimsQueue_ClaimsAgentGetsTheCallerWithItsCallerIdAndTheReferrerSeesNotify200()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var supportPort = Sipp.FreePort();
        var claimsPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", supportPort);
        await harness.RegisterAsync("1003", claimsPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"claims\",state=\"Available\"} 1"), await harness.MetricsAsync());

        var support = harness.AgentAsync("agent_refer_claims.xml", supportPort);
        var claims = harness.AgentAsync("agent_answer_transferred.xml", claimsPort);
        var caller = await harness.CallerAsync("caller_support.xml");

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True((await support).ExitCode == 0, (await support).ToString());
        Assert.True((await claims).ExitCode == 0, (await claims).ToString() + await harness.ServerLogAsync());
        var record = Assert.Single(await harness.RecordsAsync(1));
        var text = record.ToString();
        Assert.Equal(["queue:claims"], record.GetProperty("transfers").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(("1003", "claims", "+15551234567"), (record.GetProperty("agent").GetString(), record.GetProperty("queue").GetString(), record.GetProperty("callerId").GetString()));
        var agents = AgentLegs(record);
        Assert.True(agents.Select(l => l.GetProperty("party").GetString()).SequenceEqual(["1002", "1003"]), text);
        Assert.Equal("transferred", agents[0].GetProperty("endReason").GetString());
        Assert.True(agents[1].GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 40, text);
    }

    [Fact]
    public async Task ReferWithReplaces_AgentConsults1004ThenTransfers_CallerTalksTo1004AndBothAgentsAreFreed()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var records = await AttendedTransferAsync(harness, "1004", "1004", "agent_consulted_hangup.xml", answered: null);

        var direct = records.Single(r => r.GetProperty("dialedNumber").GetString() == "1004");
        Assert.Equal("attended-transfer", direct.GetProperty("reason").GetString());

        // Nobody stuck: 1002 out of wrap-up, 1004 given back by the transferred call (Available in support both).
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 2"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task ReferWithReplaces_AgentConsultsTheClaimsQueueThenTransfers_CallerTalksTo1003WhoWrapsUpInClaims()
    {
        await using var harness = await InboundCallHarness.StartAsync(c => c.Replace("numbers:\n", "numbers:\n  - number: \"300\"\n    queue: claims\n", StringComparison.Ordinal));
        var records = await AttendedTransferAsync(harness, "300", "1003", "agent_consulted_queue_hangup.xml", answered: "acd_agents{queue=\"claims\",state=\"OnCall\"} 1");

        var consult = records.Single(r => r.GetProperty("dialedNumber").GetString() == "300");
        Assert.Equal(("attended-transfer", "claims", "1003"), (consult.GetProperty("reason").GetString(), consult.GetProperty("queue").GetString(), consult.GetProperty("agent").GetString()));

        // 1003 was OnCall for the consult call until the transferred call ended, then wrapped up in claims.
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"claims\",state=\"Available\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
    }

    /// <summary>
    /// The caller presses 2 (support); agent 1002's phone (ours) answers, holds, calls <paramref name="dial"/> through the
    /// server and REFERs the caller's dialog with Replaces of that consult dialog. <paramref name="consulted"/> answers
    /// with <paramref name="scenario"/> (echoing, then hanging up); a queue answers at once (music), so the REFER waits
    /// for the metric line <paramref name="answered"/> (the routed agent on the call). Returns the records (the
    /// transferred call's is checked).
    /// </summary>
    private static async Task<IReadOnlyList<JsonElement>> AttendedTransferAsync(InboundCallHarness harness, string dial, string consulted, string scenario, string? answered)
    {
        var agentPort = Sipp.FreePort();
        var consultedPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        await using var phone = InProcessSipStack.Start(authenticate: false, autoAnswer: false, udpPort: agentPort);
        var server = new SipPeer(new IPEndPoint(IPAddress.Loopback, harness.Server.SipPort), SipTransportProtocol.Udp);

        // The caller presses 2 (support): agent 1002's phone answers.
        var caller = harness.CallerAsync("caller_support_until_bye.xml");
        using var ringing = new CancellationTokenSource(Wait);
        var customer = await phone.UserAgent.IncomingCalls.ReadAsync(ringing.Token);
        Assert.True(customer.Answer(Sdp("sendrecv")));
        await UntilAsync(customer, e => e is SipCallAcknowledged, "the ACK of the support call");

        // Hold, then the consult call (the consulted agent registers only now: routing could not offer it the caller).
        Assert.Equal(200, await customer.SendRequestAsync("INVITE", "application/sdp", Sdp("sendonly")));
        await harness.RegisterAsync(consulted, consultedPort);
        var answering = harness.AgentAsync(scenario, consultedPort);
        var consult = phone.UserAgent.Originate(new SipOriginateRequest
        {
            Target = $"sip:{dial}@{harness.Server.SipTarget}",
            Destination = server,
            From = "sip:1002@127.0.0.1",
            Sdp = Sdp("sendrecv"),
            Credentials = new SipDigestClient("1002", "demo1002"),
        });
        await UntilAsync(consult, e => e is SipCallAnswered, "the consult call answered");
        Assert.True(answered is null || await harness.WaitForMetricAsync(answered), await harness.MetricsAsync());

        // REFER on the caller's dialog, Replaces naming the consult dialog (to-tag the server's, from-tag ours).
        var replaces = Uri.EscapeDataString($"{consult.CallId};to-tag={consult.Dialog!.Id.RemoteTag};from-tag={consult.LocalTag}");
        var referTo = $"<sip:{consulted}@{harness.Server.SipTarget}?Replaces={replaces}>";
        Assert.Equal(202, await customer.SendRequestAsync("REFER", headers: [new SipHeader("Refer-To", referTo), new SipHeader("Referred-By", "<sip:1002@127.0.0.1>")]));
        var notifies = new List<string>();
        await UntilAsync(customer, e =>
        {
            if (e is SipCallRequest { Method: "NOTIFY" } notify)
            {
                notifies.Add(Encoding.ASCII.GetString(notify.Request.Body.Span).Trim());
            }

            return notifies.Count == 2;
        }, "the NOTIFYs on the caller's dialog");
        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], notifies);
        await UntilAsync(customer, e => e is SipCallEnded, "the BYE on the caller's dialog");
        await UntilAsync(consult, e => e is SipCallEnded, "the BYE on the consult dialog");

        // The consulted agent talks with the caller (echoing its audio), then hangs up; the caller gets the BYE.
        var b = await answering;
        var c = await caller;
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.True(c.ExitCode == 0, c.ToString());
        var records = await harness.RecordsAsync(2);
        var inbound = records.Single(r => r.GetProperty("dialedNumber").GetString() == "100");
        var text = inbound.ToString();
        Assert.Equal(["attended:" + consulted], inbound.GetProperty("transfers").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal((consulted, "agent-hangup"), (inbound.GetProperty("agent").GetString(), inbound.GetProperty("reason").GetString()));
        Assert.True(inbound.GetProperty("holdSeconds").GetDouble() > 0, text);
        var agents = AgentLegs(inbound);
        Assert.True(agents.Select(l => l.GetProperty("party").GetString()).SequenceEqual(["1002", consulted]), text);
        Assert.True(agents[1].GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 40, text);
        Assert.Contains(inbound.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "attended-transfer");
        return records;
    }

    private static List<JsonElement> AgentLegs(JsonElement record) =>
        [.. record.GetProperty("legs").EnumerateArray().Where(l => l.GetProperty("role").GetString() == "agent")];

    /// <summary>An SDP for our phone's legs (its audio goes nowhere: 1004's echo and the caller's pcap carry the checks).</summary>
    private static byte[] Sdp(string direction) => Encoding.ASCII.GetBytes(
        "v=0\r\no=phone 1 " + (direction == "sendonly" ? "2" : "1") + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=" + direction + "\r\n");

    private static async Task UntilAsync(SipCall call, Func<SipCallEvent, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!done(await call.Events.ReadAsync(timeout.Token)))
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            Assert.Fail("timed out waiting for " + what + " (" + call.State.ToString() + ")");
        }

    }
}
