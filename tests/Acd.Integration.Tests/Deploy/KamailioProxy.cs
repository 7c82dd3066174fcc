using System.Diagnostics;
using System.Text.RegularExpressions;
using Acd.Testing.Server;
using Acd.Testing.Sipp;

namespace Acd.Integration.Tests.Deploy;

/// <summary>
/// A real Kamailio (Debian package) running the shipped deploy/kamailio/kamailio.cfg on a free loopback UDP port,
/// dispatching to the given Acd nodes (set 1 of its own dispatcher.list). Killed on dispose.
/// </summary>
internal sealed partial class KamailioProxy : IAsyncDisposable
{
    public static readonly string Config = Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "kamailio", "kamailio.cfg");

    private readonly Process _process;
    private readonly DirectoryInfo _dir;

    private KamailioProxy(Process process, DirectoryInfo dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The proxy's SIP address for SIPp ("127.0.0.1:port").</summary>
    public string Target => $"127.0.0.1:{Port}";

    /// <summary>Starts Kamailio in front of <paramref name="nodes"/>; <paramref name="probing"/> false adds NO_PROBING.</summary>
    public static async Task<KamailioProxy> StartAsync(IEnumerable<AcdServerProcess> nodes, bool probing = true)
    {
        var dir = Directory.CreateTempSubdirectory("acd-kamailio-");
        var list = Path.Combine(dir.FullName, "dispatcher.list");
        await File.WriteAllLinesAsync(list, nodes.Select(n => $"1 sip:127.0.0.1:{n.SipPort}"));
        var port = Sipp.FreePort();
        string[] args = ["-DD", "-E", "-f", Config, "-w", dir.FullName, "-A", $"LISTEN=udp:127.0.0.1:{port}", "-A", $"DS_LIST=\"{list}\""];
        var process = Process.Start(Start(probing ? args : [.. args, "-A", "NO_PROBING"]))!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new KamailioProxy(process, dir, port);
    }

    public static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("kamailio") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>
    /// A copy of a caller scenario from tests/.../sipp that sends its in-dialog requests (ACK, BYE) the way a UA behind an
    /// outbound proxy does: to the 200's Contact with the 200's Record-Route as Route (none today: Acd does not echo
    /// it), instead of to the dialed number. SIPp still sends every message to the proxy.
    /// </summary>
    public static string ThroughProxy(string scenario)
    {
        var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "sipp", scenario));
        var routed = InDialogRequestLine().Replace(
            xml.Replace("<recv response=\"200\" rtd=\"true\"/>", "<recv response=\"200\" rtd=\"true\" rrs=\"true\"/>", StringComparison.Ordinal),
            "$1 [next_url] SIP/2.0\n      [routes]");
        if (routed == xml)
        {
            throw new InvalidOperationException(scenario + " has no in-dialog request to route");
        }

        return Sipp.WriteScenario("proxied-" + Path.GetFileNameWithoutExtension(scenario), routed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Delete(recursive: true);
    }

    [GeneratedRegex(@"(ACK|BYE) sip:100@\[remote_ip\]:\[remote_port\] SIP/2\.0")]
    private static partial Regex InDialogRequestLine();
}
