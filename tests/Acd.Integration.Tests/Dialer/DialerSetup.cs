using System.Globalization;
using System.Text.Json;
using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using NodaTime;

namespace Acd.Integration.Tests.Dialer;

/// <summary>What the dialer file of a test holds besides its defaults (one SIPp trunk, campaign 'reminders' on queue support).</summary>
internal sealed record DialerSetupOptions
{
    public bool Amd { get; init; }

    public string? CallerId { get; init; } = "+12125550123";

    public string Mode { get; init; } = "progressive";

    /// <summary>The campaign's ringTimeout (e.g. "15s"), or the default.</summary>
    public string? RingTimeout { get; init; }

    /// <summary>app_amd greeting (voice longer than this is a machine).</summary>
    public string AmdGreeting { get; init; } = "500ms";

    /// <summary>A second trunk 'backup' (priority 1, after 'carrier') on this SIPp port, in the campaign's failover order.</summary>
    public int? BackupTrunkPort { get; init; }

    /// <summary>The carrier trunk REGISTERs (register: true) with this expiry.</summary>
    public string? RegisterExpiry { get; init; }

    /// <summary>Raw YAML appended under campaigns: (more campaigns, indented two spaces).</summary>
    public string ExtraCampaigns { get; init; } = string.Empty;

    /// <summary>Raw YAML appended under trunks:.</summary>
    public string ExtraTrunks { get; init; } = string.Empty;
}

/// <summary>A dialer file (one trunk on SIPp, one campaign on queue support), its leads, DNC list and trunk credentials.</summary>
internal sealed class DialerSetup : IAsyncDisposable
{
    public const string Password = "s3cret-Trunk-77";

    private DialerSetup(string root, int trunkPort)
    {
        Root = root;
        TrunkPort = trunkPort;
    }

    public string Root { get; }

    public int TrunkPort { get; }

    public string[] ServerArgs => [$"--Dialer:File={Path.Combine(Root, "dialer.yaml")}"];

    public static Task<DialerSetup> CreateAsync(int trunkPort, bool amd, string[] leads, string? callerId = "+12125550123") =>
        CreateAsync(trunkPort, leads, new DialerSetupOptions { Amd = amd, CallerId = callerId });

    public static async Task<DialerSetup> CreateAsync(int trunkPort, string[] leads, DialerSetupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = Directory.CreateTempSubdirectory("acd-dialer-").FullName;
        await File.WriteAllLinesAsync(Path.Combine(root, "leads.csv"), leads);
        await File.WriteAllLinesAsync(Path.Combine(root, "dnc.csv"), ["+12125550101"]);
        await File.WriteAllTextAsync(Path.Combine(root, "trunk-credentials.csv"), "SEQUENTIAL\nacd;" + Password + "\n");
        await File.WriteAllTextAsync(Path.Combine(root, "dialer.yaml"), Yaml(trunkPort, options));
        return new DialerSetup(root, trunkPort);
    }

    private static string Yaml(int trunkPort, DialerSetupOptions o)
    {
        static string P(int port) => port.ToString(CultureInfo.InvariantCulture);
        var register = o.RegisterExpiry is { } expiry ? $"\n    register: true\n    registerExpiry: {expiry}" : string.Empty;
        var backup = o.BackupTrunkPort is { } b
            ? $"\n  - name: backup\n    host: 127.0.0.1\n    port: {P(b)}\n    username: acd\n    password: {Password}\n    maxChannels: 4\n    maxCallsPerSecond: 5\n    priority: 1"
            : string.Empty;
        var trunks = o.BackupTrunkPort is null ? "[carrier]" : "[carrier, backup]";
        return $"""
            trunks:
              - name: carrier
                host: 127.0.0.1
                port: {P(trunkPort)}
                username: acd
                password: {Password}
                maxChannels: 4
                maxCallsPerSecond: 5{register}{backup}
            {o.ExtraTrunks}
            campaigns:
              - id: reminders
                mode: {o.Mode}
            {(o.CallerId is null ? string.Empty : $"    callerId: \"{o.CallerId}\"\n")}    queue: support
                trunks: {trunks}
                leads: leads.csv
                doNotCall: [dnc.csv]
                amd: {(o.Amd ? "true" : "false")}
                amdOptions:
                  initialSilence: 1500ms
                  greeting: {o.AmdGreeting}
                  afterGreetingSilence: 500ms
                abandonMessage: goodbye.wav
                calleeWindow: {NewYorkWindow()}
            {(o.RingTimeout is null ? string.Empty : $"    ringTimeout: {o.RingTimeout}\n")}    start: true
            {o.ExtraCampaigns}
            """;
    }

    /// <summary>Two hours around now in New York: open for 212 numbers, closed in Honolulu (5-6 h behind).</summary>
    public static string NewYorkWindow()
    {
        var now = SystemClock.Instance.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb["America/New_York"]).TimeOfDay;
        var start = now.Hour == 0 ? LocalTime.Midnight : now.PlusHours(-1);
        var end = now.Hour == 23 ? new LocalTime(23, 59) : now.PlusHours(1);
        return start.ToString("HH:mm", CultureInfo.InvariantCulture) + "-" + end.ToString("HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a trunk scenario (UAS) on <see cref="TrunkPort"/> (or <paramref name="port"/>) with the trunk credentials as -inf.</summary>
    public Task<SippResult> TrunkAsync(string scenario, InboundCallHarness harness, int calls, int? port = null, params string[] extra) =>
        Sipp.RunAsync(scenario.Contains('/', StringComparison.Ordinal) ? scenario : InboundCallHarness.Scenario(scenario), harness.Server.SipTarget, calls, InboundCallHarness.SippTimeout,
            ["-p", InboundCallHarness.Port(port ?? TrunkPort), "-mp", InboundCallHarness.Port(Sipp.FreePort()), "-rtp_echo", "-inf", Path.Combine(Root, "trunk-credentials.csv"), .. extra]);

    /// <summary>SIPp arguments writing the scenario's &lt;log&gt; actions to <paramref name="file"/> under the setup's folder.</summary>
    public string[] LogTo(string file, out string path)
    {
        path = Path.Combine(Root, file);
        return ["-trace_logs", "-log_file", path];
    }

    /// <summary>The dialer's attempt records (bounded wait for <paramref name="count"/>).</summary>
    public static async Task<IReadOnlyList<JsonElement>> AttemptsAsync(InboundCallHarness harness, int count, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(harness);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var folder = Path.Combine(harness.RecordsPath, "dialer");
        while (true)
        {
            var attempts = new List<JsonElement>();
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.GetFiles(folder, "attempts-*.jsonl"))
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    using var reader = new StreamReader(stream);
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line.Length > 0)
                        {
                            attempts.Add(JsonDocument.Parse(line).RootElement.Clone());
                        }
                    }
                }
            }

            if (attempts.Count >= count || DateTime.UtcNow > deadline)
            {
                return attempts;
            }

            await Task.Delay(200);
        }
    }

    public Task<IReadOnlyList<JsonElement>> AttemptsAsync(InboundCallHarness harness, int count) => AttemptsAsync(harness, count, null);

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
