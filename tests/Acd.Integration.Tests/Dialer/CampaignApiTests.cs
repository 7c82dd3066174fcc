using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Acd.Integration.Tests.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// The campaign API on the real server with a SIPp trunk and a SIPp agent: a draft campaign started by API (refused
/// while no agent is logged in), its attempt seen, paused, and nothing more dialed; leads imported while paused; the
/// compliance report.
/// </summary>
public sealed class CampaignApiTests
{
    [Fact]
    public async Task Campaign_StartedByApi_DialsThenPausedDialsNothingMore()
    {
        var trunkPort = Sipp.FreePort();
        var outreach = $"""
              - id: outreach
                mode: progressive
                callerId: "+12125550123"
                queue: support
                trunks: [carrier]
                leads: outreach.csv
                amd: false
                abandonMessage: goodbye.wav
                calleeWindow: {DialerSetup.NewYorkWindow()}
            """;
        await using var setup = await DialerSetup.CreateAsync(trunkPort, ["id,phone"], new DialerSetupOptions { ExtraCampaigns = outreach });
        await File.WriteAllLinesAsync(Path.Combine(setup.Root, "outreach.csv"), ["id,phone,name", "L1,+12125550100,Ada", "L2,+12125550102,Bob", "L3,+12125550103,Cy"]);
        await using var harness = await InboundCallHarness.StartAsync(null, setup.ServerArgs);
        using var agentApi = new ApiClient(harness.Server.HttpAddress, ApiClient.Agent1002);
        using var supervisor = new ApiClient(harness.Server.HttpAddress, ApiClient.Supervisor);
        using var admin = new ApiClient(harness.Server.HttpAddress, ApiClient.Admin);

        var list = await agentApi.GetAsync("/api/campaigns");
        var draft = list.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "outreach");
        Assert.Equal(("draft", 3), (draft.GetProperty("state").GetString(), draft.GetProperty("leadsRemaining").GetInt32()));
        using (var forbidden = await agentApi.SendAsync(HttpMethod.Post, "/api/campaigns/outreach/start"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        // Nobody logged in to support: refused with the reason named.
        var refused = await supervisor.PostAsync("/api/campaigns/outreach/start", null, 400);
        Assert.True(refused.GetProperty("errors").TryGetProperty("campaign.queue", out _), refused.ToString());

        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        var agent = harness.AgentAsync("trunk_agent_answer.xml", agentPort);
        var trunk = setup.TrunkAsync("trunk_answer.xml", harness, calls: 1);
        var started = await supervisor.PostAsync("/api/campaigns/outreach/start");
        Assert.Equal("running", started.GetProperty("state").GetString());

        // One lead taken and its call placed (a lead is taken before the dial is authorised, and a pause in between
        // refuses that dial): pause before the agent is free again.
        await supervisor.WaitAsync("/api/campaigns/outreach", c => c.GetProperty("leadsDueOrWaiting").GetInt32() == 2
            && (c.GetProperty("linesInProgress").GetInt32() > 0 || c.GetProperty("attempts").EnumerateObject().Sum(a => a.Value.GetInt64()) > 0));
        Assert.Equal("paused", (await supervisor.PostAsync("/api/campaigns/outreach/pause")).GetProperty("state").GetString());
        await supervisor.PostAsync("/api/campaigns/outreach/pause", null, 409);

        var trunkResult = await trunk;
        var agentResult = await agent;
        Assert.True(trunkResult.ExitCode == 0, trunkResult + await harness.ServerLogAsync());
        Assert.True(agentResult.ExitCode == 0, agentResult.ToString());
        var attempt = Assert.Single(await DialerSetup.AttemptsAsync(harness, 1));
        Assert.Equal(("outreach", "L1", "AnsweredHuman"), (attempt.GetProperty("campaign").GetString(), attempt.GetProperty("lead").GetString(), attempt.GetProperty("outcome").GetString()));
        var done = await supervisor.WaitAsync("/api/campaigns/outreach", c => c.GetProperty("attempts").GetProperty("answeredHuman").GetInt64() == 1);

        // The agent is free again after its 2 s wrap-up: nothing more is dialed while paused.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Single(await DialerSetup.AttemptsAsync(harness, 1));
        var paused = await agentApi.GetAsync("/api/campaigns/outreach");
        Assert.Equal(("paused", 2), (paused.GetProperty("state").GetString(), paused.GetProperty("leadsRemaining").GetInt32()));
        Assert.Equal(1, done.GetProperty("abandonRate").GetProperty("liveAnswered").GetInt64());

        // Leads imported while paused (admin): numbers normalised, the bad line and the duplicate reported.
        using var csv = new StringContent("id,phone\nN1,(212) 555-0104\nN2,12345\nN3,+12125550102\n", Encoding.UTF8, "text/csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/outreach/leads") { Content = csv };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiClient.Admin);
        using var http = new HttpClient { BaseAddress = harness.Server.HttpAddress };
        using var imported = await http.SendAsync(request);
        var body = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("\"imported\":1", body, StringComparison.Ordinal);
        Assert.Contains("\"line\":3", body, StringComparison.Ordinal);
        Assert.Contains("\"line\":4", body, StringComparison.Ordinal);

        var compliance = await supervisor.GetAsync("/api/campaigns/outreach/compliance");
        Assert.Equal("30d", compliance.GetProperty("abandonRate").GetProperty("window").GetString());
        Assert.True(compliance.GetProperty("abandonRate").GetProperty("withinLimit").GetBoolean());
        Assert.Equal("finished", (await admin.PostAsync("/api/campaigns/outreach/stop")).GetProperty("state").GetString());
    }
}
