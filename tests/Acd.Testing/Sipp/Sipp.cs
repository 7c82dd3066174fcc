using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.Testing.Sipp;

/// <summary>The outcome of one SIPp run: exit code (0 all calls succeeded, 1 some failed), output and the command line.</summary>
public sealed record SippResult(int ExitCode, string StandardOutput, string StandardError, string CommandLine, TimeSpan Elapsed)
{
    /// <summary>Everything useful for an assertion message.</summary>
    public override string ToString() => $"sipp exit {ExitCode} after {Elapsed.TotalSeconds:F1}s\n{CommandLine}\n{StandardOutput}\n{StandardError}";
}

/// <summary>
/// Runs the SIPp binary (Debian sip-tester) in the foreground on loopback with a bounded call count and
/// timeout, always with its own control port (-cp) and -nostdin, and returns its exit code and output.
/// </summary>
public static class Sipp
{
    /// <summary>The sipp executable (SIPP environment variable or "sipp" on PATH).</summary>
    public static string Executable => Environment.GetEnvironmentVariable("SIPP") ?? "sipp";

    /// <summary>A currently free loopback UDP port (also free on TCP at the time of the check).</summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken on TCP: try another.
            }
        }

        throw new InvalidOperationException("no free loopback port");
    }

    /// <summary>
    /// Runs SIPp against <paramref name="target"/> ("127.0.0.1:5060"). <paramref name="scenario"/> is a path to an
    /// XML scenario or "-sn name" is used when it has no ".xml" suffix. <paramref name="calls"/> bounds -m;
    /// <paramref name="timeout"/> bounds -timeout (and the process is killed a little after it).
    /// </summary>
    public static async Task<SippResult> RunAsync(
        string scenario, string target, int calls, TimeSpan timeout, IEnumerable<string>? extraArguments = null, string? workingDirectory = null)
    {
        // The ports FreePort gives are free when checked, not when SIPp binds them: another process of a parallel test
        // can take one in between. SIPp then exits at once ("Address already in use"); run it again on new ports.
        var extra = extraArguments?.ToList();
        for (var attempt = 1; ; attempt++)
        {
            var result = await RunOnceAsync(scenario, target, calls, timeout, extra, workingDirectory).ConfigureAwait(false);
            var ourPortTaken = result.Elapsed < TimeSpan.FromSeconds(5) && result.ExitCode != 0
                && (result.StandardOutput + result.StandardError) is var output
                && (output.Contains("Unable to bind remote control socket", StringComparison.Ordinal)
                    || (output.Contains("Address already in use", StringComparison.Ordinal) && extra?.Contains("-p") != true));
            if (!ourPortTaken || attempt == 3)
            {
                return result;
            }
        }
    }

    private static async Task<SippResult> RunOnceAsync(
        string scenario, string target, int calls, TimeSpan timeout, IEnumerable<string>? extraArguments, string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var arguments = new List<string>();
        if (scenario.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
        {
            arguments.AddRange(["-sf", scenario]);
        }
        else
        {
            arguments.AddRange(["-sn", scenario]);
        }

        arguments.Add(target);
        arguments.AddRange([
            "-i", "127.0.0.1", "-p", FreePort().ToString(CultureInfo.InvariantCulture),
            "-ci", "127.0.0.1", "-cp", FreePort().ToString(CultureInfo.InvariantCulture),
            "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-timeout", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
            "-timeout_error", "-nostdin",
        ]);
        if (extraArguments is not null)
        {
            arguments.AddRange(extraArguments);
        }

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sipp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var kill = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(kill.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var commandLine = Executable + " " + string.Join(' ', arguments);
        return new SippResult(process.ExitCode, await stdout, await stderr, commandLine, watch.Elapsed);
    }

    /// <summary>Writes <paramref name="xml"/> to a temporary scenario file and returns its path.</summary>
    public static string WriteScenario(string name, string xml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"acd-sipp-{Environment.ProcessId}-{name}.xml");
        File.WriteAllText(path, xml, Encoding.ASCII);
        return path;
    }
}
