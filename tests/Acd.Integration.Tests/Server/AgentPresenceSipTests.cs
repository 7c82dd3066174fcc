using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>The real server: a phone's REGISTER (SIPp, digest) logs its agent in; the un-REGISTER logs it out.</summary>
public sealed partial class AgentPresenceSipTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Register_SampleAgent_AvailableInSupportThenLoggedOutOnUnregister()
    {
        // SIPp answers only the first challenge and only with MD5: offer MD5 first.
        await using var server = AcdServerProcess.Start("--Sip:DigestAlgorithms=MD5,SHA-256", "--Acd:PresenceSweep=0.5");
        await server.WaitForHealthAsync();
        Assert.Equal(0, await AvailableInSupportAsync(server));

        var register = await Sipp.RunAsync(Scenario("presence-register", "<sip:[service]@[local_ip]:[local_port]>", 60), server.SipTarget,
            calls: 1, Timeout, ["-s", "1002", "-au", "1002", "-ap", "demo1002"]);
        Assert.True(register.ExitCode == 0, register.ToString());
        await WaitForAsync(server, available: 1);

        var unregister = await Sipp.RunAsync(Scenario("presence-unregister", "*", 0), server.SipTarget,
            calls: 1, Timeout, ["-s", "1002", "-au", "1002", "-ap", "demo1002"]);
        Assert.True(unregister.ExitCode == 0, unregister.ToString());
        await WaitForAsync(server, available: 0);

        var metrics = await ScrapeAsync(server);
        Assert.Contains("acd_agent_presence_changes_total{change=\"login\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("acd_agent_presence_changes_total{change=\"logout\"} 1", metrics, StringComparison.Ordinal);
        Assert.Matches(LoggedOutInSupport(), metrics);
    }

    /// <summary>REGISTER with Contact <paramref name="contact"/> and Expires <paramref name="expires"/>: 401, then digest, then 200.</summary>
    private static string Scenario(string name, string contact, int expires)
    {
        var request = (int cseq, string auth) => $"""
              REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
              Max-Forwards: 70
              From: <sip:[service]@[remote_ip]>;tag=[pid]p[call_number]
              To: <sip:[service]@[remote_ip]>
              Call-ID: [call_id]
              CSeq: {cseq} REGISTER
              Contact: {contact}{auth}
              Expires: {expires}
              Content-Length: 0

            """;
        return Sipp.WriteScenario(name, $"""
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="{name}">
              <send retrans="500"><![CDATA[
            {request(1, string.Empty)}
              ]]></send>
              <recv response="401" auth="true"/>
              <send retrans="500"><![CDATA[
            {request(2, "\n      [authentication]")}
              ]]></send>
              <recv response="200"/>
            </scenario>
            """);
    }

    /// <summary>Polls /metrics (bounded, a real process: the router refreshes its gauges every 250 ms) for the Available count.</summary>
    private static async Task WaitForAsync(AcdServerProcess server, int available)
    {
        var watch = Stopwatch.StartNew();
        int seen;
        while ((seen = await AvailableInSupportAsync(server)) != available && watch.Elapsed < Timeout)
        {
            await Task.Delay(100);
        }

        Assert.Equal(available, seen);
    }

    private static async Task<int> AvailableInSupportAsync(AcdServerProcess server)
    {
        var match = AvailableInSupport().Match(await ScrapeAsync(server));
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static async Task<string> ScrapeAsync(AcdServerProcess server)
    {
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    [GeneratedRegex("""acd_agents\{queue="support",state="Available"\} (\d+)""")]
    private static partial Regex AvailableInSupport();

    [GeneratedRegex("""acd_agents\{queue="support",state="LoggedOut"\} 2""")]
    private static partial Regex LoggedOutInSupport();
}
