using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Sip;

/// <summary>SIPp scenarios from tests/Acd.Integration.Tests/sipp against the SIP stack on real loopback sockets.</summary>
public sealed class SippScenarioTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    private static string[] Account(string password) => ["-s", "1001", "-au", "1001", "-ap", password];

    [Fact]
    public async Task Options_Udp_200WithAllowAcceptSupported()
    {
        await using var server = await SipTestServerProcess.StartAsync();
        var result = await Sipp.RunAsync(Scenario("options.xml"), server.Target, calls: 20, Timeout, ["-r", "20"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Options_Tcp_200()
    {
        await using var server = await SipTestServerProcess.StartAsync();
        var result = await Sipp.RunAsync(Scenario("options.xml"), server.Target, calls: 10, Timeout, ["-t", "t1"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Register_DigestMd5_401Then200ThenUnregister()
    {
        await using var server = await SipTestServerProcess.StartAsync("--user", "1001:s3cret", "--md5-first");
        var result = await Sipp.RunAsync(Scenario("register_auth.xml"), server.Target, calls: 5, Timeout, Account("s3cret"));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Register_WrongPassword_403()
    {
        await using var server = await SipTestServerProcess.StartAsync("--user", "1001:s3cret", "--md5-first");
        var result = await Sipp.RunAsync(Scenario("register_wrong_password.xml"), server.Target, calls: 3, Timeout, Account("guess"));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Register_ShortExpiry_BindingGoneAfterExpiry()
    {
        await using var server = await SipTestServerProcess.StartAsync("--user", "1001:s3cret", "--md5-first", "--min-expires", "1");
        var result = await Sipp.RunAsync(Scenario("register_expiry.xml"), server.Target, calls: 1, Timeout, Account("s3cret"));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task InviteBye_TenPercentLoss_EveryCallCompletes()
    {
        await using var server = await SipTestServerProcess.StartAsync("--auto-answer");
        var result = await Sipp.RunAsync(Scenario("invite_bye.xml"), server.Target, calls: 50, TimeSpan.FromSeconds(120), ["-r", "10", "-lost", "10", "-recv_timeout", "40000"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(server.IsRunning);
    }

    [Fact]
    public async Task Cancel_Ringing_200Then487()
    {
        await using var server = await SipTestServerProcess.StartAsync();
        var result = await Sipp.RunAsync(Scenario("cancel.xml"), server.Target, calls: 10, Timeout, ["-r", "10"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
