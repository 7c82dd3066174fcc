using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Acd.Server.Tests.Configuration;
using Xunit;

namespace Acd.Server.Tests.Hosting;

/// <summary>The real server executable, started as a process on loopback with the sample configuration.</summary>
public sealed class ServerProcessTests
{
    private static readonly string Home = ContactCenterConfigLoaderTests.RepoRoot();

    [Fact]
    public async Task Run_SampleOnLoopback_ServesHealthAndQueueMetrics()
    {
        var http = FreeTcpPort();
        using var server = Start($"--urls=http://127.0.0.1:{http}", $"--Sip:Port={FreeTcpPort()}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };

        var health = await WaitForHealthAsync(client, server.Process);
        var metrics = await client.GetStringAsync("/metrics");

        using var json = JsonDocument.Parse(health);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("in-memory", json.RootElement.GetProperty("store").GetString());
        foreach (var queue in (string[])["billing", "support", "claims", "general"])
        {
            Assert.Contains($"acd_queue_calls_waiting{{queue=\"{queue}\"}} 0", metrics, StringComparison.Ordinal);
        }

        Assert.Contains("acd_agents{queue=\"general\",state=\"LoggedOut\"} 3", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SamplePasswordsOnPublicAddress_RefusesToStart()
    {
        using var server = Start("--urls=http://127.0.0.1:0", "--Sip:Bind=0.0.0.0", $"--Sip:Port={FreeTcpPort()}");

        var (exit, stderr) = await WaitForExitAsync(server.Process);

        Assert.Equal(2, exit);
        foreach (var agent in (string[])["1001", "1002", "1003", "1004"])
        {
            Assert.Contains($"agents.{agent}.password", stderr, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("demo100", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BrokenContactCenterFile_ReportsFileLineAndKey()
    {
        var dir = Directory.CreateTempSubdirectory("acd-config-");
        try
        {
            var file = Path.Combine(dir.FullName, "acd.yaml");
            await File.WriteAllTextAsync(file, "skills: [billing]\nqueues:\n  billing:\n    skills: { billing: 1 }\n    stratgy: random\n");
            using var server = Start("--urls=http://127.0.0.1:0", $"--Acd:Config={file}", $"--Sip:Port={FreeTcpPort()}");

            var (exit, stderr) = await WaitForExitAsync(server.Process);

            Assert.Equal(2, exit);
            Assert.Contains($"{file}:5:5: queues.billing.stratgy: unknown key 'stratgy'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static ServerProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Home,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "acd.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return new ServerProcess(process);
    }

    /// <summary>The server process; killed when the test ends, whatever happened.</summary>
    private sealed class ServerProcess(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }

            Process.Dispose();
        }
    }

    private static async Task<string> WaitForHealthAsync(HttpClient client, Process server)
    {
        // Bounded wait for the process to start listening (real process start, not a timer under test).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                return await client.GetStringAsync("/health");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        throw new InvalidOperationException("server did not start: " + (server.HasExited ? await server.StandardError.ReadToEndAsync() : "timed out"));
    }

    private static async Task<(int Exit, string Stderr)> WaitForExitAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stderr = server.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await server.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException("the server did not exit within 60 s");
        }

        return (server.ExitCode, await stderr);
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
