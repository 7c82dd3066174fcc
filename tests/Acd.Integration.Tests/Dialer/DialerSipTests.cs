using System.Globalization;
using System.Text.Json;
using Acd.Integration.Tests.Server;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using NodaTime;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// The outbound dialer on the real server: SIPp is the SIP trunk (digest challenge, caller ID checks, then answers as a
/// person, as a machine, busy, or refuses the credentials) and SIPp agents take the connected calls.
/// </summary>
public sealed class DialerSipTests
{
    private const string Password = "s3cret-Trunk-77";

    [Fact]
    public async Task Campaign_TrunkWithDigest_HumanToAgentAndDncAndOutOfWindowNeverDialed()
    {
        // Leads: a do-not-call number and one out of its calling window come first: they are checked (and refused) in the
        // same pacing tick that dials the person, so the trunk would see their INVITE before or with the good one.
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads:
        [
            "id,phone,name",
            "L2,+12125550101,Bob",
            "L3,+18085550100,Kai",
            "L1,+12125550100,Ada",
            "L4,12345,Bad",
            "L5,\"+1 212 555 0102,Eve",
        ]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var trunk = setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);

        var trunkResult = await trunk;
        var agentResult = await agent;

        Assert.True(trunkResult.ExitCode == 0, trunkResult + await harness.ServerLogAsync());
        Assert.True(agentResult.ExitCode == 0, agentResult.ToString());
        var attempts = await setup.AttemptsAsync(harness, 1);
        var attempt = Assert.Single(attempts);
        Assert.Equal("L1", attempt.GetProperty("lead").GetString());
        Assert.Equal("AnsweredHuman", attempt.GetProperty("outcome").GetString());
        Assert.Equal("carrier", attempt.GetProperty("trunk").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_compliance_blocks_total{campaign=\"reminders\",rule=\"do_not_call\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_compliance_blocks_total{campaign=\"reminders\",rule=\"calling_window\"} 1"), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_import_rejected_rows_total{campaign=\"reminders\"}"), await harness.MetricsAsync());
        var log = await harness.ServerLogAsync();
        Assert.Contains("line 5 not imported", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        var records = await harness.RecordsAsync(1);
        var record = Assert.Single(records);
        Assert.Equal("+12125550100", record.GetProperty("callerId").GetString());
        Assert.DoesNotContain(Password, record.ToString(), StringComparison.Ordinal);

        // Nothing else reaches the trunk: the DNC and out-of-window leads stay undialed however long the campaign runs.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await setup.AttemptsAsync(harness, 1));
    }

    [Fact]
    public async Task Campaign_NoAgentAnswersInTime_IdentificationMessageWithin2sAndAbandonRecorded()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone,name", "L1,+12125550100,Ada"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_no_answer.xml", agentPort);

        var trunk = await setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        Assert.True((await agent).ExitCode == 0, (await agent).ToString());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Abandoned", attempt.GetProperty("outcome").GetString());
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("abandoned", record.GetProperty("outcome").GetString()?.ToLowerInvariant());
        var arrived = record.GetProperty("arrived").GetDateTimeOffset();
        var maxWait = record.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "max-wait").GetProperty("time").GetDateTimeOffset();
        Assert.True(maxWait - arrived <= TimeSpan.FromSeconds(2), $"identification message started {(maxWait - arrived).TotalMilliseconds} ms after the hand-over: {record}");
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_abandon_ratio{campaign=\"reminders\"} 1"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task Campaign_TrunkRejectsCredentials_FailedAttemptMetricAndClearError()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_auth_reject.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Failed", attempt.GetProperty("outcome").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{reason=\"auth_rejected\",trunk=\"carrier\"} 1")
            || await harness.WaitForMetricAsync("acd_dialer_trunk_failures_total{trunk=\"carrier\",reason=\"auth_rejected\"} 1"), await harness.MetricsAsync());
        var log = await harness.ServerLogAsync();
        Assert.Contains("Trunk carrier rejected our credentials (403)", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_MachineGreeting_AmdOnLiveRtpHangsUpWithoutAgent()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: true, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_machine.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Machine", attempt.GetProperty("outcome").GetString());
        Assert.Empty(await harness.RecordsAsync(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Campaign_CalleeBusy_BusyAttemptRetriedLater()
    {
        var trunkPort = Sipp.FreePort();
        await using var setup = await DialerSetup.CreateAsync(trunkPort, amd: false, leads: ["id,phone", "L1,+12125550100"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        await harness.RegisterAsync("1002", Sipp.FreePort());

        var trunk = await setup.TrunkAsync("trunk_busy.xml", harness, calls: 1);

        Assert.True(trunk.ExitCode == 0, trunk + await harness.ServerLogAsync());
        var attempt = Assert.Single(await setup.AttemptsAsync(harness, 1));
        Assert.Equal("Busy", attempt.GetProperty("outcome").GetString());
        Assert.True(await harness.WaitForMetricAsync("acd_dialer_calls_total{campaign=\"reminders\",outcome=\"busy\"} 1"), await harness.MetricsAsync());
    }

    [Fact]
    public async Task Server_CampaignWithoutCallerId_RefusesToStartNamingTheCampaign()
    {
        await using var setup = await DialerSetup.CreateAsync(Sipp.FreePort(), amd: false, leads: ["id,phone", "L1,+12125550100"], callerId: null);
        await using var server = AcdServerProcess.Start([
            $"--Acd:Config={Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml")}",
            $"--Ivr:Scripts={Path.Combine(AcdServerProcess.RepositoryRoot(), "ivr-scripts")}",
            .. setup.ServerArgs,
        ]);

        var (exit, stderr) = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains("campaigns[0].callerId", stderr, StringComparison.Ordinal);
        Assert.Contains("reminders", stderr, StringComparison.Ordinal);
    }

    /// <summary>A dialer file (one trunk on SIPp, one campaign on queue support), its leads, DNC list and trunk credentials.</summary>
    private sealed class DialerSetup : IAsyncDisposable
    {
        private DialerSetup(string root, int trunkPort)
        {
            Root = root;
            TrunkPort = trunkPort;
        }

        public string Root { get; }

        public int TrunkPort { get; }

        public string[] ServerArgs => [$"--Dialer:File={Path.Combine(Root, "dialer.yaml")}"];

        public static async Task<DialerSetup> CreateAsync(int trunkPort, bool amd, string[] leads, string? callerId = "+12125550123")
        {
            var root = Directory.CreateTempSubdirectory("acd-dialer-").FullName;
            await File.WriteAllLinesAsync(Path.Combine(root, "leads.csv"), leads);
            await File.WriteAllLinesAsync(Path.Combine(root, "dnc.csv"), ["+12125550101"]);
            await File.WriteAllTextAsync(Path.Combine(root, "trunk-credentials.csv"), "SEQUENTIAL\nacd;" + Password + "\n");
            var yaml = $"""
                trunks:
                  - name: carrier
                    host: 127.0.0.1
                    port: {trunkPort.ToString(CultureInfo.InvariantCulture)}
                    username: acd
                    password: {Password}
                    maxChannels: 4
                    maxCallsPerSecond: 5
                campaigns:
                  - id: reminders
                    mode: progressive
                {(callerId is null ? string.Empty : $"    callerId: \"{callerId}\"\n")}    queue: support
                    trunks: [carrier]
                    leads: leads.csv
                    doNotCall: [dnc.csv]
                    amd: {(amd ? "true" : "false")}
                    amdOptions:
                      initialSilence: 1500ms
                      greeting: 500ms
                      afterGreetingSilence: 500ms
                    abandonMessage: goodbye.wav
                    calleeWindow: {NewYorkWindow()}
                    start: true
                """;
            await File.WriteAllTextAsync(Path.Combine(root, "dialer.yaml"), yaml);
            return new DialerSetup(root, trunkPort);
        }

        /// <summary>Two hours around now in New York: open for 212 numbers, closed in Honolulu (5-6 h behind).</summary>
        private static string NewYorkWindow()
        {
            var now = SystemClock.Instance.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb["America/New_York"]).TimeOfDay;
            var start = now.Hour == 0 ? LocalTime.Midnight : now.PlusHours(-1);
            var end = now.Hour == 23 ? new LocalTime(23, 59) : now.PlusHours(1);
            return start.ToString("HH:mm", CultureInfo.InvariantCulture) + "-" + end.ToString("HH:mm", CultureInfo.InvariantCulture);
        }

        public Task<SippResult> TrunkAsync(string scenario, InboundCallHarness harness, int calls) =>
            Sipp.RunAsync(InboundCallHarness.Scenario(scenario), harness.Server.SipTarget, calls, InboundCallHarness.SippTimeout,
                ["-p", InboundCallHarness.Port(TrunkPort), "-mp", InboundCallHarness.Port(Sipp.FreePort()), "-rtp_echo", "-inf", Path.Combine(Root, "trunk-credentials.csv")]);

        /// <summary>The dialer's attempt records (bounded wait for <paramref name="count"/>).</summary>
        public async Task<IReadOnlyList<JsonElement>> AttemptsAsync(InboundCallHarness harness, int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
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
}
