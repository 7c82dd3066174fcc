using System.Text.Json;
using Acd.Testing.Server;
using Xunit;

namespace Acd.Server.Tests.Hosting;

/// <summary>The real server executable, started as a process on loopback with the sample configuration.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task Run_SampleOnLoopback_ServesHealthAndQueueMetrics()
    {
        await using var server = AcdServerProcess.Start();
        using var client = new HttpClient { BaseAddress = server.HttpAddress };

        var health = await server.WaitForHealthAsync();
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

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
        await using var server = AcdServerProcess.Start("--Sip:Bind=0.0.0.0", "--Sip:ContactAddress=192.0.2.10:5060");

        var (exit, stderr) = await server.WaitForExitAsync();

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
            await using var server = AcdServerProcess.Start($"--Acd:Config={file}");

            var (exit, stderr) = await server.WaitForExitAsync();

            Assert.Equal(2, exit);
            Assert.Contains($"{file}:5:5: queues.billing.stratgy: unknown key 'stratgy'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
