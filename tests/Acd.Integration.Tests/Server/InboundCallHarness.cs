using System.Globalization;
using System.Text.Json;
using Acd.Testing.Server;
using Acd.Testing.Sipp;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// A real server process on the sample contact center, with three test-friendly changes made to copies of its files:
/// business hours always open (the test must not depend on the hour CI runs at), short wrap-up times, and its own
/// records folder and RTP range. Agents are SIPp phones registered with their sample passwords.
/// </summary>
internal sealed class InboundCallHarness : IAsyncDisposable
{
    public static readonly TimeSpan SippTimeout = TimeSpan.FromSeconds(60);

    private InboundCallHarness(string root, AcdServerProcess server)
    {
        Root = root;
        Server = server;
    }

    public string Root { get; }

    public AcdServerProcess Server { get; }

    public string RecordsPath => Path.Combine(Root, "records");

    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    public static async Task<InboundCallHarness> StartAsync(Func<string, string>? editConfig = null, params string[] args)
    {
        var root = Directory.CreateTempSubdirectory("acd-inbound-").FullName;
        var repo = AcdServerProcess.RepositoryRoot();
        CopyDirectory(Path.Combine(repo, "ivr-scripts"), Path.Combine(root, "ivr-scripts"));
        var script = Path.Combine(root, "ivr-scripts", "customer-service.yaml");
        var text = await File.ReadAllTextAsync(script);
        await File.WriteAllTextAsync(script, text.Replace("- if: not business_hours('office')", "- if: false", StringComparison.Ordinal));
        var config = await File.ReadAllTextAsync(Path.Combine(repo, "deploy", "sample", "acd.yaml"));
        config = config.Replace("wrap_up: 15s", "wrap_up: 2s", StringComparison.Ordinal).Replace("wrap_up: 10s", "wrap_up: 2s", StringComparison.Ordinal)
            .Replace("wrap_up: 30s", "wrap_up: 2s", StringComparison.Ordinal);
        config = editConfig?.Invoke(config) ?? config;
        var configPath = Path.Combine(root, "acd.yaml");
        await File.WriteAllTextAsync(configPath, config);
        var rtpBase = 30000 + (Random.Shared.Next(0, 140) * 200);
        var server = AcdServerProcess.Start(
        [
            $"--Acd:Config={configPath}",
            $"--Ivr:Scripts={Path.Combine(root, "ivr-scripts")}",
            $"--Records:Path={Path.Combine(root, "records")}",
            $"--Media:RtpPorts={rtpBase.ToString(CultureInfo.InvariantCulture)}-{(rtpBase + 199).ToString(CultureInfo.InvariantCulture)}",
            "--Sip:DigestAlgorithms=MD5",
            .. args,
        ]);
        await server.WaitForHealthAsync();
        return new InboundCallHarness(root, server);
    }

    /// <summary>Registers <paramref name="agent"/> from 127.0.0.1:<paramref name="port"/> with its sample password.</summary>
    public async Task RegisterAsync(string agent, int port, int expires = 600)
    {
        var result = await Sipp.RunAsync(Scenario("agent_register.xml"), Server.SipTarget, 1, TimeSpan.FromSeconds(15),
            ["-p", Port(port), "-s", agent, "-au", agent, "-ap", "demo" + agent, "-key", "expires", Port(expires)]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("agent registration failed: " + result);
        }
    }

    /// <summary>Runs an agent phone scenario (UAS, echoing RTP) on <paramref name="port"/>.</summary>
    public Task<SippResult> AgentAsync(string scenario, int port, int calls = 1) =>
        Sipp.RunAsync(Scenario(scenario), Server.SipTarget, calls, SippTimeout, ["-p", Port(port), "-mp", Port(Sipp.FreePort()), "-rtp_echo"]);

    /// <summary>Runs a caller scenario.</summary>
    public Task<SippResult> CallerAsync(string scenario, int calls = 1, params string[] extra) =>
        Sipp.RunAsync(Scenario(scenario), Server.SipTarget, calls, SippTimeout, ["-mp", Port(Sipp.FreePort()), .. extra]);

    /// <summary>Waits (bounded) for <paramref name="count"/> call records and returns them.</summary>
    public async Task<IReadOnlyList<JsonElement>> RecordsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var records = new List<JsonElement>();
        while (true)
        {
            records.Clear();
            if (Directory.Exists(RecordsPath))
            {
                foreach (var file in Directory.GetFiles(RecordsPath, "calls-*.jsonl"))
                {
                    foreach (var line in await ReadSharedAsync(file))
                    {
                        if (line.Length > 0)
                        {
                            records.Add(JsonDocument.Parse(line).RootElement.Clone());
                        }
                    }
                }
            }

            if (records.Count >= count || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The server's /metrics text.</summary>
    public async Task<string> MetricsAsync()
    {
        using var client = new HttpClient { BaseAddress = Server.HttpAddress };
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    /// <summary>Polls /metrics (bounded) until <paramref name="line"/> appears; returns whether it did.</summary>
    public async Task<bool> WaitForMetricAsync(string line, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if ((await MetricsAsync()).Split('\n').Any(l => l.StartsWith(line, StringComparison.Ordinal)))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var text = await reader.ReadToEndAsync();

        // A line still being written has no newline yet: only complete lines count.
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n');
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
