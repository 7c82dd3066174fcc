using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>The contact-center file is reloaded while the server runs: valid edits apply, broken ones are refused.</summary>
public sealed class ContactCenterReloadTests
{
    private const string Answered = """
        <?xml version="1.0" encoding="ISO-8859-1" ?>
        <scenario name="call a number, expect an answer, hang up">
          <send retrans="500"><![CDATA[
            INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
            Max-Forwards: 70
            From: <sip:+15550001111@[local_ip]>;tag=[pid]i[call_number]
            To: <sip:[service]@[remote_ip]>
            Call-ID: [call_id]
            CSeq: 1 INVITE
            Contact: <sip:caller@[local_ip]:[local_port]>
            Content-Type: application/sdp
            Content-Length: [len]

            v=0
            o=caller 1 1 IN IP[local_ip_type] [local_ip]
            s=-
            c=IN IP[media_ip_type] [media_ip]
            t=0 0
            m=audio [media_port] RTP/AVP 0
            a=rtpmap:0 PCMU/8000

          ]]></send>
          <recv response="100" optional="true"/>
          <recv response="[expected]"/>
          <send><![CDATA[
            ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
            Max-Forwards: 70
            From: <sip:+15550001111@[local_ip]>;tag=[pid]i[call_number]
            To: <sip:[service]@[remote_ip]>[peer_tag_param]
            Call-ID: [call_id]
            CSeq: 1 ACK
            Content-Length: 0

          ]]></send>
          [hangup]
        </scenario>
        """;

    private const string Bye = """
          <pause milliseconds="500"/>
          <send retrans="500"><![CDATA[
            BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
            Max-Forwards: 70
            From: <sip:+15550001111@[local_ip]>;tag=[pid]i[call_number]
            To: <sip:[service]@[remote_ip]>[peer_tag_param]
            Call-ID: [call_id]
            CSeq: 2 BYE
            Content-Length: 0

          ]]></send>
          <recv response="200"/>
        """;

    [Fact]
    public async Task EditNumberPlan_ValidApplied_BrokenRefusedOldKeepsServing()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var notFound = Sipp.WriteScenario("reload-404", Answered.Replace("[expected]", "404", StringComparison.Ordinal).Replace("[hangup]", string.Empty, StringComparison.Ordinal));
        var answered = Sipp.WriteScenario("reload-200", Answered.Replace("[expected]", "200", StringComparison.Ordinal).Replace("[hangup]", Bye, StringComparison.Ordinal));
        string[] to101 = ["-s", "101", "-mp", InboundCallHarness.Port(Sipp.FreePort())];
        var before = await Sipp.RunAsync(notFound, harness.Server.SipTarget, 1, TimeSpan.FromSeconds(15), to101);
        Assert.True(before.ExitCode == 0, before.ToString());

        // Number 101 goes straight to the general queue.
        var file = Path.Combine(harness.Root, "acd.yaml");
        var original = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, original.Replace("    ivr: customer-service\n", "    ivr: customer-service\n  - number: \"101\"\n    queue: general\n", StringComparison.Ordinal));
        Assert.True(await harness.WaitForMetricAsync("acd_config_reloads_total{result=\"applied\"} 1"), await harness.MetricsAsync());
        var after = await Sipp.RunAsync(answered, harness.Server.SipTarget, 1, TimeSpan.FromSeconds(15), to101);
        Assert.True(after.ExitCode == 0, after.ToString());

        // A broken edit (a queue without skills) is refused; 101 still answers.
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("    skills: { general: 1 }\n", "    skils: { general: 1 }\n", StringComparison.Ordinal));
        Assert.True(await harness.WaitForMetricAsync("acd_config_reloads_total{result=\"rejected\"} 1"), await harness.MetricsAsync());
        var still = await Sipp.RunAsync(answered, harness.Server.SipTarget, 1, TimeSpan.FromSeconds(15), to101);
        Assert.True(still.ExitCode == 0, still.ToString());
    }
}
