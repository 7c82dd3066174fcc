using System.Net;
using System.Text;
using System.Text.Json;
using Acd.Dialer;
using Acd.Dialer.Callbacks;
using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Dialer.Trunks;
using Acd.Routing;
using Acd.Server.Api;
using Acd.Server.Configuration;
using Acd.Testing.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Acd.Server.Tests.Api;

/// <summary>The campaign and callback endpoints over real campaigns (no SIP: the call layer is never reached).</summary>
public sealed class CampaignEndpointsTests : IAsyncLifetime
{
    private readonly FakeDialer _dialer = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var contactCenter = ContactCenterConfigLoader.Load(Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new ServerOptions { RecordsPath = Path.GetTempPath(), NodeName = "test", SipPort = 9 });
        builder.Services.AddSingleton(new ContactCenter(contactCenter));
        builder.Services.AddAcdRouting(new RoutingOptions { NodeId = "test" });
        builder.Services.AddSingleton<IDialerControl>(_dialer);
        builder.Services.AddAcdApi(ApiTestHost.Config);
        _app = builder.Build();
        _app.MapAcdApi();
        await _app.Services.GetRequiredService<AcdRouter>().LoadAsync(contactCenter.Routing);
        _dialer.UseRouting(_app.Services.GetRequiredService<IQueueStore>());
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dialer.Metrics.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, string? body = null, string type = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, type);
        }

        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task List_AgentToken_StateModeLeadsAndAttemptsByOutcome()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/campaigns", ApiTestHost.AgentToken);

        Assert.Equal(HttpStatusCode.OK, status);
        var reminders = body.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "reminders");
        Assert.Equal("draft", reminders.GetProperty("state").GetString());
        Assert.Equal("progressive", reminders.GetProperty("mode").GetString());
        Assert.Equal(2, reminders.GetProperty("leadsRemaining").GetInt32());
        Assert.Equal(0, reminders.GetProperty("attempts").GetProperty("answeredHuman").GetInt64());
        Assert.Equal("30d", reminders.GetProperty("abandonRate").GetProperty("window").GetString());
        Assert.Equal(0.03, reminders.GetProperty("abandonRate").GetProperty("limit").GetDouble());
    }

    [Fact]
    public async Task Get_UnknownCampaign_404()
    {
        var (status, _) = await SendAsync(HttpMethod.Get, "/api/campaigns/nope", ApiTestHost.AgentToken);

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Start_NoCallerIdNoAgentsNoLeadsUnknownTrunk_400WithEveryReason()
    {
        _dialer.Staffed = 0;

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/campaigns/broken/start", ApiTestHost.SupervisorToken);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        foreach (var field in new[] { "campaign.callerId", "campaign.leads", "campaign.queue", "campaign.trunks" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} missing: {body}");
        }

        Assert.Contains("unknown trunk 'nowhere'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartPauseResumeStop_Supervisor_StatesFollowAndWrongStates409()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/start", ApiTestHost.AgentToken)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/pause", ApiTestHost.SupervisorToken)).Status);
        Assert.Equal("running", (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/start", ApiTestHost.SupervisorToken)).Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/start", ApiTestHost.SupervisorToken)).Status);
        Assert.Equal("paused", (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/pause", ApiTestHost.SupervisorToken)).Body.GetProperty("state").GetString());
        Assert.Equal("running", (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/resume", ApiTestHost.SupervisorToken)).Body.GetProperty("state").GetString());
        Assert.Equal("finished", (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/stop", ApiTestHost.SupervisorToken)).Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/resume", ApiTestHost.SupervisorToken)).Status);
    }

    [Fact]
    public async Task ImportLeads_CsvBody_NormalisedAndEveryBadLineReported()
    {
        const string csv = "id,phone,name\nA1,(212) 555-0199,Ann\nA2,12345,Bad\nA3,+12125550100,Dup\nA4,\"+1 212 555 0198,Eve\n";

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/leads", ApiTestHost.AdminToken, csv, "text/csv");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("imported").GetInt32());
        Assert.Equal(3, body.GetProperty("rejected").GetInt32());
        Assert.Equal([3, 4, 5], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));
        Assert.Contains("already a lead", body.GetProperty("errors")[1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, body.GetProperty("leads").GetInt32());
        Assert.Contains(_dialer.Find("reminders")!.Campaign.Leads, l => l.E164 == "+12125550199" && l.Fields["name"] == "Ann");
    }

    [Fact]
    public async Task ImportLeads_SupervisorOrRunningCampaign_403Or409()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/leads", ApiTestHost.SupervisorToken, "phone\n2125550111\n", "text/csv")).Status);
        await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/start", ApiTestHost.SupervisorToken);

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/leads", ApiTestHost.AdminToken, "phone\n2125550111\n", "text/csv");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("pause it", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dnc_OptOutAndCampaignEntry_BlockedThenOnlyTheCampaignEntryRemoved()
    {
        var (optOut, entry) = await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/dnc", ApiTestHost.SupervisorToken, """{"number":"212-555-0150","note":"asked on the phone"}""");
        var (campaign, _) = await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/dnc", ApiTestHost.SupervisorToken, """{"number":"+12125550151","scope":"campaign"}""");
        var (bad, problem) = await SendAsync(HttpMethod.Post, "/api/campaigns/reminders/dnc", ApiTestHost.SupervisorToken, """{"number":"12"}""");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest), (optOut, campaign, bad));
        Assert.Equal(("+12125550150", "optOut"), (entry.GetProperty("number").GetString(), entry.GetProperty("source").GetString()));
        Assert.True(problem.GetProperty("errors").TryGetProperty("number", out _));
        Assert.NotNull(_dialer.DoNotCall.Find("+12125550150", "other-campaign"));
        Assert.NotNull(_dialer.DoNotCall.Find("+12125550151", "reminders"));

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/+12125550151", ApiTestHost.SupervisorToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/+12125550151", ApiTestHost.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/+12125550150", ApiTestHost.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/+12125550152", ApiTestHost.AdminToken)).Status);
        Assert.Null(_dialer.DoNotCall.Find("+12125550151", "reminders"));
        Assert.NotNull(_dialer.DoNotCall.Find("+12125550150", "reminders"));
    }

    [Fact]
    public async Task Compliance_Supervisor_AbandonRateAndJournalExcerpt()
    {
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            _dialer.Journal.Write(new ComplianceRecord(at.AddSeconds(i), "reminders", "L" + i, "+1212555010" + i, i != 3, i == 3 ? ComplianceRule.DoNotCall : ComplianceRule.None, "r" + i));
        }

        _dialer.Journal.Write(new ComplianceRecord(at, "other", "X", "+12125550109", true, ComplianceRule.None, "other campaign"));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/campaigns/reminders/compliance", ApiTestHost.AgentToken)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/campaigns/reminders/compliance?limit=x", ApiTestHost.SupervisorToken)).Status);

        var (status, body) = await SendAsync(HttpMethod.Get, "/api/campaigns/reminders/compliance?limit=2", ApiTestHost.SupervisorToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, body.GetProperty("journalEntries").GetInt32());
        Assert.Equal(["L3", "L4"], body.GetProperty("journal").EnumerateArray().Select(e => e.GetProperty("lead").GetString()));
        Assert.Equal("doNotCall", body.GetProperty("journal")[0].GetProperty("rule").GetString());
        Assert.True(body.GetProperty("abandonRate").GetProperty("withinLimit").GetBoolean());
    }

    [Fact]
    public async Task Callbacks_AgentSchedulesForItselfOnly_ListedAndCancelled()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        var (forOther, _) = await SendAsync(HttpMethod.Post, "/api/callbacks", ApiTestHost.AgentToken, $$"""{"number":"2125550160","queue":"support","agent":"1001","at":"{{at}}"}""");
        var (badQueue, problem) = await SendAsync(HttpMethod.Post, "/api/callbacks", ApiTestHost.AgentToken, """{"number":"2125550160","queue":"nope"}""");
        var (ok, callback) = await SendAsync(HttpMethod.Post, "/api/callbacks", ApiTestHost.AgentToken, $$"""{"number":"2125550160","queue":"support","at":"{{at}}"}""");
        var (pool, _) = await SendAsync(HttpMethod.Post, "/api/callbacks", ApiTestHost.SupervisorToken, $$"""{"number":"+12125550161","queue":"support","at":"{{at}}"}""");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.BadRequest, HttpStatusCode.OK, HttpStatusCode.OK), (forOther, badQueue, ok, pool));
        Assert.True(problem.GetProperty("errors").TryGetProperty("queue", out _));
        Assert.Equal(("+12125550160", "1002", "scheduled"), (callback.GetProperty("number").GetString(), callback.GetProperty("agent").GetString(), callback.GetProperty("kind").GetString()));
        var id = callback.GetProperty("id").GetString();
        Assert.Single((await SendAsync(HttpMethod.Get, "/api/callbacks", ApiTestHost.AgentToken)).Body.EnumerateArray());
        Assert.Equal(2, (await SendAsync(HttpMethod.Get, "/api/callbacks", ApiTestHost.SupervisorToken)).Body.GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "/api/callbacks/" + id, ApiTestHost.AgentToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/api/callbacks/" + id, ApiTestHost.AgentToken)).Status);
        Assert.Single(_dialer.Callbacks.Pending);
    }

    [Fact]
    public async Task OpenApi_ListsCampaignAndCallbackOperationsWithRoles()
    {
        var (_, doc) = await SendAsync(HttpMethod.Get, "/api/openapi.json", ApiTestHost.AgentToken);

        var paths = doc.GetProperty("paths");
        Assert.Equal("supervisor", paths.GetProperty("/api/campaigns/{campaignId}/start").GetProperty("post").GetProperty("x-acd-role").GetString());
        Assert.Equal("admin", paths.GetProperty("/api/campaigns/{campaignId}/leads").GetProperty("post").GetProperty("x-acd-role").GetString());
        Assert.Equal("agent", paths.GetProperty("/api/callbacks").GetProperty("post").GetProperty("x-acd-role").GetString());
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty(nameof(CampaignView), out _));
    }

    /// <summary>Two campaigns ('reminders': ready but for its start; 'broken': every reason not to start) and a callback dialer.</summary>
    private sealed class FakeDialer : IDialerControl
    {
        private readonly TimeProvider _time = TimeProvider.System;
        private readonly InMemoryDoNotCallRegistry _dnc;
        private readonly List<CampaignDialer> _campaigns = [];
        private CallbackDialer? _callbacks;

        public FakeDialer()
        {
            _dnc = new InMemoryDoNotCallRegistry(_time);
            var reminders = new Campaign(new CampaignConfig
            {
                Id = "reminders", CallerId = "+12125550123", Queue = "support", Trunks = ["carrier"], AbandonMessage = "goodbye.wav",
            });
            reminders.AddLeads([Lead("L1", "+12125550100"), Lead("L2", "+12125550101")]);
            var broken = new Campaign(new CampaignConfig { Id = "broken", Queue = "support", Trunks = ["nowhere"], AbandonMessage = "goodbye.wav" });
            _campaigns.Add(Dialer(reminders));
            _campaigns.Add(Dialer(broken));
        }

        public int Staffed { get; set; } = 1;

        public IReadOnlyList<CampaignDialer> Campaigns => _campaigns;

        public IDoNotCallRegistry DoNotCall => _dnc;

        public InMemoryComplianceJournal Journal { get; } = new();

        public DialerMetrics Metrics { get; } = new();

        public TrunkSelector Trunks { get; } = new([new TrunkConfig { Name = "carrier", Host = "127.0.0.1" }], TimeProvider.System);

        public CallbackDialer Callbacks => _callbacks!;

        CallbackDialer? IDialerControl.Callbacks => _callbacks;

        public string DefaultRegion => "US";

        public void UseRouting(IQueueStore routing) =>
            _callbacks = new CallbackDialer(new CallbackDialOptions { Enabled = true, CallerId = "+12125550123", Trunks = ["carrier"] }, new NoCalls(), Trunks, new DialAuthorizer(_time), routing, _time);

        public CampaignDialer? Find(string id) => _campaigns.FirstOrDefault(c => c.Campaign.Id == id);

        public Task<IReadOnlyList<ConfigError>> StartCampaignAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(Find(id)!.Campaign.Start(new CampaignStartContext(Staffed, new HashSet<string>(["carrier"]))));

        public bool PauseCampaign(string id) => Find(id)!.Campaign.Pause();

        public bool FinishCampaign(string id) => Find(id)!.Campaign.Finish();

        public DncEntry? RemoveDoNotCall(string e164, string campaign) => _dnc.RemoveCampaignEntry(e164, campaign);

        IReadOnlyList<ComplianceRecord> IDialerControl.Journal() => Journal.Snapshot();

        private static Lead Lead(string id, string e164) => new(id, e164, ["America/New_York"], new Dictionary<string, string>(), 2);

        private CampaignDialer Dialer(Campaign campaign) =>
            new(campaign, new ProgressivePacing(), new ComplianceGuard(_dnc, new CallingWindowPolicy(), Journal), new DialAuthorizer(_time), Trunks, new NoCalls(),
                new NoAgents(), _dnc, Metrics, _time);
    }

    private sealed class NoCalls : IOutboundCallLayer
    {
        public ValueTask<IOutboundCall> OriginateAsync(OriginateRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("nothing is dialed in these tests");
    }

    private sealed class NoAgents : IAgentAvailability
    {
        public ValueTask<AgentPoolSnapshot> GetAsync(string queue, CancellationToken cancellationToken) => new(new AgentPoolSnapshot(0, 0, []));
    }
}
