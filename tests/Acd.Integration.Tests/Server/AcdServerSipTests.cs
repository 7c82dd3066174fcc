using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>SIPp against the real server process serving the sample contact center on loopback.</summary>
public sealed class AcdServerSipTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    [Fact]
    public async Task Options_SampleServer_200()
    {
        await using var server = AcdServerProcess.Start();
        await server.WaitForHealthAsync();

        var result = await Sipp.RunAsync(Scenario("options.xml"), server.SipTarget, calls: 5, Timeout, ["-r", "10"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Register_SampleAgentWithItsPassword_401Then200ThenUnregister()
    {
        // SIPp answers only the first challenge and only with MD5: offer MD5 first.
        await using var server = AcdServerProcess.Start("--Sip:DigestAlgorithms=MD5,SHA-256");
        await server.WaitForHealthAsync();

        var result = await Sipp.RunAsync(Scenario("register_auth.xml"), server.SipTarget, calls: 1, Timeout, ["-s", "1002", "-au", "1002", "-ap", "demo1002"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Register_SampleAgentWrongPassword_403()
    {
        await using var server = AcdServerProcess.Start("--Sip:DigestAlgorithms=MD5");
        await server.WaitForHealthAsync();

        var result = await Sipp.RunAsync(Scenario("register_wrong_password.xml"), server.SipTarget, calls: 1, Timeout, ["-s", "1001", "-au", "1001", "-ap", "demo1002"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Invite_UnknownNumber_404()
    {
        await using var server = AcdServerProcess.Start();
        await server.WaitForHealthAsync();
        var scenario = Sipp.WriteScenario("invite-404", """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="invite to an unknown number">
              <send retrans="500"><![CDATA[
                INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
                Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                Max-Forwards: 70
                From: <sip:+15551234567@[local_ip]>;tag=[pid]i[call_number]
                To: <sip:[service]@[remote_ip]>
                Call-ID: [call_id]
                CSeq: 1 INVITE
                Contact: <sip:caller@[local_ip]:[local_port]>
                Content-Length: 0

              ]]></send>
              <recv response="100" optional="true"/>
              <recv response="404"/>
              <send><![CDATA[
                ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
                Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                Max-Forwards: 70
                From: <sip:+15551234567@[local_ip]>;tag=[pid]i[call_number]
                To: <sip:[service]@[remote_ip]>[peer_tag_param]
                Call-ID: [call_id]
                CSeq: 1 ACK
                Content-Length: 0

              ]]></send>
            </scenario>
            """);

        var result = await Sipp.RunAsync(scenario, server.SipTarget, calls: 1, Timeout, ["-s", "999"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
