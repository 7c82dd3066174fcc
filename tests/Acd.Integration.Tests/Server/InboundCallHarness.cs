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

    private readonly bool _ownsRoot;
    // Server RTP ranges: 200 ports per node in 10000-19999, below the kernel's ephemeral ports (32768-60999), which the
    // tests' own sockets (Sipp.FreePort for agents and callers) come from: a range that overlapped them let a node take
    // a port a test had just picked for a SIPp agent ("Address already in use"). Deploy/RtpRanges uses 20000-31999.
    private const int RtpBase = 10000;
    private const int RtpSlots = 50;

    private readonly int _rtpSlot;

    private InboundCallHarness(string root, AcdServerProcess server, string? node, int rtpSlot)
    {
        Root = root;
        Server = server;
        _ownsRoot = node is null;
        _rtpSlot = rtpSlot;
        RecordsPath = RecordsFolder(root, node);
        ServerLogPath = LogFile(root, node);
    }

    public string Root { get; }

    public AcdServerProcess Server { get; }

    public string RecordsPath { get; }

    /// <summary>The server's console log (its standard output), kept for diagnostics.</summary>
    public string ServerLogPath { get; }

    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    public static Task<InboundCallHarness> StartAsync(Func<string, string>? editConfig = null, params string[] args) =>
        StartAsync(editConfig, null, args);

    /// <summary>Starts the server; <paramref name="editConfig"/> and <paramref name="editScript"/> rewrite the copied acd.yaml and customer-service.yaml.</summary>
    public static async Task<InboundCallHarness> StartAsync(Func<string, string>? editConfig, Func<string, string>? editScript, params string[] args)
    {
        var root = Directory.CreateTempSubdirectory("acd-inbound-").FullName;
        var repo = AcdServerProcess.RepositoryRoot();
        CopyDirectory(Path.Combine(repo, "ivr-scripts"), Path.Combine(root, "ivr-scripts"));
        var script = Path.Combine(root, "ivr-scripts", "customer-service.yaml");
        var text = await File.ReadAllTextAsync(script);
        text = text.Replace("- if: not business_hours('office')", "- if: false", StringComparison.Ordinal);
        await File.WriteAllTextAsync(script, editScript?.Invoke(text) ?? text);
        var config = await File.ReadAllTextAsync(Path.Combine(repo, "deploy", "sample", "acd.yaml"));
        config = config.Replace("wrap_up: 15s", "wrap_up: 2s", StringComparison.Ordinal).Replace("wrap_up: 10s", "wrap_up: 2s", StringComparison.Ordinal)
            .Replace("wrap_up: 30s", "wrap_up: 2s", StringComparison.Ordinal);
        config = editConfig?.Invoke(config) ?? config;
        var configPath = Path.Combine(root, "acd.yaml");
        await File.WriteAllTextAsync(configPath, config);
        return await LaunchAsync(root, null, Random.Shared.Next(0, RtpSlots), args);
    }

    /// <summary>
    /// Starts another node on this harness's copied configuration and scripts (pass the shared Redis, node name and
    /// nonce key in <paramref name="args"/>), with its own records folder, log and RTP range. Dispose it before this
    /// harness: the files stay until this harness is disposed.
    /// </summary>
    public Task<InboundCallHarness> StartPeerAsync(string node, params string[] args) =>
        LaunchAsync(Root, node, (_rtpSlot + (RtpSlots / 2)) % RtpSlots, args);

    private static string RecordsFolder(string root, string? node) => Path.Combine(root, node is null ? "records" : "records-" + node);

    private static string LogFile(string root, string? node) => Path.Combine(root, node is null ? "server.log" : "server-" + node + ".log");

    private static async Task<InboundCallHarness> LaunchAsync(string root, string? node, int rtpSlot, string[] args)
    {
        var rtpBase = RtpBase + (rtpSlot * 200);
        var server = AcdServerProcess.StartWithOutput(LogFile(root, node),
        [
            $"--Acd:Config={Path.Combine(root, "acd.yaml")}",
            $"--Ivr:Scripts={Path.Combine(root, "ivr-scripts")}",
            $"--Records:Path={RecordsFolder(root, node)}",
            $"--Media:RtpPorts={rtpBase.ToString(CultureInfo.InvariantCulture)}-{(rtpBase + 199).ToString(CultureInfo.InvariantCulture)}",
            "--Sip:DigestAlgorithms=MD5",
            .. args,
        ]);
        await server.WaitForHealthAsync();
        return new InboundCallHarness(root, server, node, rtpSlot);
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

    /// <summary>The server's console log so far (lines still being written included).</summary>
    public async Task<string> ServerLogAsync() => File.Exists(ServerLogPath) ? await ReadAllSharedAsync(ServerLogPath) : string.Empty;

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
        if (!_ownsRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Asserts a record of two legs, the agent's answered (200), and audio across the bridge both ways: the agent phone
    /// (SIPp with -rtp_echo) echoes what it hears, so packets coming back from it prove the caller's audio crossed.
    /// </summary>
    public static void AssertBridged(JsonElement record)
    {
        var text = record.ToString();
        var legs = record.GetProperty("legs").EnumerateArray().ToList();
        Xunit.Assert.Equal(2, legs.Count);
        var agentLeg = legs.Single(l => l.GetProperty("role").GetString() == "agent");
        Xunit.Assert.Equal(200, agentLeg.GetProperty("status").GetInt32());
        Xunit.Assert.True(agentLeg.GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 40, text);
        Xunit.Assert.True(legs.Single(l => l.GetProperty("role").GetString() == "caller").GetProperty("quality").GetProperty("packetsReceived").GetInt64() > 40, text);
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> ReadAllSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<string[]> ReadSharedAsync(string file)
    {
        var text = await ReadAllSharedAsync(file);

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
