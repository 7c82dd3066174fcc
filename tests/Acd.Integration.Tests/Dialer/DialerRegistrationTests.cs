using System.Diagnostics;
using System.Globalization;
using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>Trunk REGISTER on the real server, SIPp as the gateway's registrar.</summary>
public sealed class DialerRegistrationTests
{
    [Fact]
    public async Task Trunk_RegisterTrue_DigestRegisteredThenUnregisteredOnSigterm()
    {
        // No agent logs in: the campaign never starts, so only REGISTERs reach the trunk.
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone", "L1,+12125550100"], new DialerSetupOptions { RegisterExpiry = "60s" });
        var registrar = Task.Run(async () => await Sipp.RunAsync(InboundCallHarness.Scenario("trunk_registrar.xml"), "127.0.0.1:5060", 1, TimeSpan.FromSeconds(30),
            ["-p", InboundCallHarness.Port(trunkPort), "-inf", Path.Combine(setup.Root, "trunk-credentials.csv")]));
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);

        Assert.True(await WaitForLogAsync(harness, "Registration carrier: registered for 60 s"), await harness.ServerLogAsync());
        using (var kill = Process.Start("kill", ["-TERM", harness.Server.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var result = await registrar;
        Assert.True(result.ExitCode == 0, result + await harness.ServerLogAsync());
        await harness.Server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var log = await harness.ServerLogAsync();
        Assert.Contains("Registration carrier: unregistered (200)", log, StringComparison.Ordinal);
        Assert.DoesNotContain(DialerSetup.Password, log, StringComparison.Ordinal);
    }

    private static async Task<bool> WaitForLogAsync(InboundCallHarness harness, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if ((await harness.ServerLogAsync()).Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
