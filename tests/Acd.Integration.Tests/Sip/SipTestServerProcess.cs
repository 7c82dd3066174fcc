using System.Diagnostics;
using System.Net;
using Acd.Testing.Sipp;

namespace Acd.Integration.Tests.Sip;

/// <summary>
/// Runs tests/Acd.SipTestServer (the SIP stack on real sockets) as a child process on a free loopback port and
/// stops it on dispose. The server exits by itself when our stdin pipe closes, so a crashed test run leaves nothing behind.
/// </summary>
public sealed class SipTestServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SipTestServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The UDP and TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port" for SIPp.</summary>
    public string Target => $"127.0.0.1:{Port}";

    /// <summary>The UDP endpoint.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Path of the built test server (same configuration and framework as this test assembly).</summary>
    public static string ServerDll
    {
        get
        {
            var here = AppContext.BaseDirectory; // tests/Acd.Integration.Tests/bin/<Configuration>/<tfm>/
            var tfm = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfm.Parent!;
            var tests = configuration.Parent!.Parent!.Parent!;
            return Path.Combine(tests.FullName, "Acd.SipTestServer", "bin", configuration.Name, tfm.Name, "Acd.SipTestServer.dll");
        }
    }

    /// <summary>Starts the server with <paramref name="arguments"/> (plus --udp/--tcp on a free port) and waits until it listens.</summary>
    public static async Task<SipTestServerProcess> StartAsync(params string[] arguments)
    {
        var port = Sipp.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerDll);
        foreach (var argument in (string[])["--udp", $"127.0.0.1:{port}", "--tcp", $"127.0.0.1:{port}", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("test server did not start");
        var server = new SipTestServerProcess(process, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    throw new InvalidOperationException("test server exited: " + await process.StandardError.ReadToEndAsync(timeout.Token));
                }

                if (line.StartsWith("READY", StringComparison.Ordinal))
                {
                    return server;
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>True while the server process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }
}
