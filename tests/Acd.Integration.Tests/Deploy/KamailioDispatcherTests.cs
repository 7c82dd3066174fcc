using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Deploy;

/// <summary>
/// deploy/kamailio/kamailio.cfg in front of two real Acd nodes on loopback: requests are spread over both, and
/// when one node stops the requests go to the other.
/// </summary>
public sealed partial class KamailioDispatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly string Config = Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "kamailio", "kamailio.cfg");

    [Fact]
    public async Task Check_ShippedConfig_IsValid()
    {
        var list = Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "kamailio", "dispatcher.list");
        using var kamailio = Process.Start(Kamailio("-c", "-f", Config, "-A", $"DS_LIST=\"{list}\""))!;
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
        var dir = Directory.CreateTempSubdirectory("acd-kamailio-");
        var list = Path.Combine(dir.FullName, "dispatcher.list");
        await File.WriteAllTextAsync(list, $"1 sip:127.0.0.1:{a.SipPort}\n1 sip:127.0.0.1:{b.SipPort}\n");
        var port = Sipp.FreePort();
        var start = Kamailio("-DD", "-E", "-f", Config, "-w", dir.FullName,
            "-A", $"LISTEN=udp:127.0.0.1:{port}", "-A", $"DS_LIST=\"{list}\"", "-A", "NO_PROBING");
        using var kamailio = Process.Start(start)!;
        kamailio.ErrorDataReceived += (_, _) => { };
        kamailio.OutputDataReceived += (_, _) => { };
        kamailio.BeginErrorReadLine();
        kamailio.BeginOutputReadLine();
        try
        {
            var proxy = $"127.0.0.1:{port}";
            var spread = await Sipp.RunAsync(Scenario("options.xml"), proxy, calls: 20, Timeout, ["-r", "20"]);
            Assert.True(spread.ExitCode == 0, spread.ToString());
            var (aCount, bCount) = (await OptionsAsync(a), await OptionsAsync(b));
            Assert.Equal(20, aCount + bCount);
            Assert.True(aCount >= 5 && bCount >= 5, $"round robin: node A {aCount}, node B {bCount}");

            await a.DisposeAsync();
            var failover = await Sipp.RunAsync(Scenario("options.xml"), proxy, calls: 10, Timeout, ["-r", "5"]);

            Assert.True(failover.ExitCode == 0, failover.ToString());
            Assert.Equal(bCount + 10, await OptionsAsync(b));
        }
        finally
        {
            kamailio.Kill(entireProcessTree: true);
            await kamailio.WaitForExitAsync();
            dir.Delete(recursive: true);
        }
    }

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    private static ProcessStartInfo Kamailio(params string[] args)
    {
        var start = new ProcessStartInfo("kamailio") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

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
