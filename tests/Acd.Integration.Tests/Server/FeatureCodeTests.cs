using Acd.Integration.Tests.Media;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Feature codes on the real server: agent 1002's phone (SIPp answering the 407 with 1002's digest credentials, or
/// baresip sending RFC 4733 digits) dials *45/*46/*47/*48/*90; every state change shows in routing's metrics
/// (acd_agents{queue,state}), every use in acd_feature_codes_total{code,result}, and the disposition in the record.
/// </summary>
public sealed class FeatureCodeTests
{
    private const string Available = "acd_agents{queue=\"support\",state=\"Available\"} ";
    private const string Paused = "acd_agents{queue=\"support\",state=\"Paused\"} ";
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task FeatureCodes_SippAgent_PauseAvailableLogoutLoginEachInMetrics()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        await harness.RegisterAsync("1002", Sipp.FreePort());
        await WaitAsync(harness, Available + "1");

        await DialAsync(harness, "*462");
        await WaitAsync(harness, Paused + "1");
        await WaitAsync(harness, Available + "0");

        await DialAsync(harness, "*47");
        await WaitAsync(harness, Available + "1");

        await DialAsync(harness, "*45");
        await WaitAsync(harness, Available + "0");
        await WaitAsync(harness, "acd_agents{queue=\"support\",state=\"LoggedOut\"} 2");

        await DialAsync(harness, "*45");
        await WaitAsync(harness, Available + "1");

        // No code dialed: asked for, given by SIP INFO (1 = break).
        var info = await harness.CallerAsync("agent_feature_code_info.xml", 1, "-s", "*46", "-au", "1002", "-ap", "demo1002", "-key", "code", "1");
        Assert.True(info.ExitCode == 0, info + await DiagnosticsAsync(harness));
        await WaitAsync(harness, Paused + "1");

        // An unknown code changes nothing.
        await DialAsync(harness, "*469");
        await WaitAsync(harness, "acd_feature_codes_total{code=\"*46\",result=\"invalid_code\"} 1");
        await WaitAsync(harness, Paused + "1");

        await WaitAsync(harness, "acd_feature_codes_total{code=\"*46\",result=\"ok\"} 2");
        await WaitAsync(harness, "acd_feature_codes_total{code=\"*45\",result=\"ok\"} 2");
        await WaitAsync(harness, "acd_feature_codes_total{code=\"*47\",result=\"ok\"} 1");
        var log = await harness.ServerLogAsync();
        Assert.Contains("Feature code *46 from agent 1002", log, StringComparison.Ordinal);
        Assert.Contains("ok break", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Supervise_NonSupervisorDials90_403AndCountedNotAllowed()
    {
        await using var harness = await InboundCallHarness.StartAsync();

        var refused = await harness.CallerAsync("agent_feature_code_refused.xml", 1, "-s", "*901001", "-au", "1002", "-ap", "demo1002");

        Assert.True(refused.ExitCode == 0, refused + await DiagnosticsAsync(harness));
        await WaitAsync(harness, "acd_feature_codes_total{code=\"*90\",result=\"not_allowed\"} 1");
    }

    [Fact]
    public async Task Disposition_AfterAQueueCall_SavedInTheRecord()
    {
        // Wrap-up long enough to dial the code after the call (the harness shortens it to 2 s).
        await using var harness = await InboundCallHarness.StartAsync(c => c.Replace("wrap_up: 2s", "wrap_up: 8s", StringComparison.Ordinal));
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        await WaitAsync(harness, Available + "1");

        var phone = harness.AgentAsync("agent_answer_hangup.xml", agentPort);
        var caller = await harness.CallerAsync("caller_support_until_bye.xml");
        Assert.True(caller.ExitCode == 0, caller + await DiagnosticsAsync(harness));
        Assert.True((await phone).ExitCode == 0, (await phone).ToString());
        await WaitAsync(harness, "acd_agents{queue=\"support\",state=\"WrapUp\"} 1");

        await DialAsync(harness, "*481");

        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("resolved", record.GetProperty("disposition").GetString());
        await WaitAsync(harness, "acd_feature_codes_total{code=\"*48\",result=\"ok\"} 1");
    }

    [Fact]
    public async Task Pause_BaresipAgentDialsCodeThenRfc4733Digits_Paused()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        await using var phone = await BaresipPhone.StartAsync(harness.Server.SipTarget,
            new BaresipAccount("1002", Password: "demo1002", RegisterInterval: 600));
        Assert.True(await harness.WaitForMetricAsync(Available + "1"), $"{await harness.MetricsAsync()}\n--- baresip\n{phone.Output}");

        await phone.CommandAsync("dial", $"sip:*46@{harness.Server.SipTarget}");
        await phone.WaitForEventAsync("CALL_ESTABLISHED", Step);
        await Task.Delay(TimeSpan.FromSeconds(1)); // "please enter the code" is playing: the digit barges in
        await phone.CommandAsync("sndcode", "2");
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        await phone.CommandAsync("sndcode", "#");
        await phone.WaitForEventAsync("CALL_CLOSED", Step);

        var diagnostics = $"\n--- baresip\n{phone.Output}\n--- server\n{await harness.ServerLogAsync()}";
        Assert.True(await harness.WaitForMetricAsync(Paused + "1"), await harness.MetricsAsync() + diagnostics);
        Assert.Contains("ok lunch", await harness.ServerLogAsync(), StringComparison.Ordinal);
    }

    /// <summary>1002's phone dials <paramref name="code"/> (challenged, authenticated, answered, confirmed, hung up by the server).</summary>
    private static async Task DialAsync(InboundCallHarness harness, string code)
    {
        var result = await harness.CallerAsync("agent_feature_code.xml", 1, "-s", code, "-au", "1002", "-ap", "demo1002");
        Assert.True(result.ExitCode == 0, $"{code}: {result}" + await DiagnosticsAsync(harness));
    }

    private static async Task WaitAsync(InboundCallHarness harness, string line) =>
        Assert.True(await harness.WaitForMetricAsync(line), line + " never seen\n" + await DiagnosticsAsync(harness));

    private static async Task<string> DiagnosticsAsync(InboundCallHarness harness) =>
        "\n" + await harness.MetricsAsync() + "\n--- server log ---\n" + await harness.ServerLogAsync();
}
