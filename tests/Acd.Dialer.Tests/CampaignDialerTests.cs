using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Dialer.Trunks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Dialer.Tests;

public sealed class CampaignDialerTests : IDisposable
{
    private static readonly DateTimeOffset Noon = TestData.Utc(2026, 7, 1, 16, 0); // 12:00 in New York

    private readonly FakeTimeProvider _time = new(Noon);
    private readonly InMemoryDoNotCallRegistry _dnc;
    private readonly InMemoryComplianceJournal _journal = new();
    private readonly DialerMetrics _metrics = new();
    private readonly MetricCollector<long> _calls;
    private readonly FakeAgents _agents = new(staffed: 5, free: 5);

    public CampaignDialerTests()
    {
        _dnc = new InMemoryDoNotCallRegistry(_time);
        _calls = new MetricCollector<long>(_metrics.Meter, "acd_dialer_calls_total");
    }

    public void Dispose()
    {
        _calls.Dispose();
        _metrics.Dispose();
    }

    private (CampaignDialer Dialer, FakeCallLayer Layer, Lead[] Leads) Build(CampaignConfig config, Func<OriginateRequest, FakeCall.Script> script, int leads = 1, bool start = true, IPacingPolicy? pacing = null, int channels = 30)
    {
        var campaign = new Campaign(config);
        var list = Enumerable.Range(0, leads).Select(i => new Lead($"l{i}", $"+1202555{143 + i:D4}", ["America/New_York"], new Dictionary<string, string> { ["name"] = $"Customer {i}" }, i + 2)).ToArray();
        campaign.AddLeads(list);
        if (start)
        {
            Assert.Empty(campaign.Start(new CampaignStartContext(_agents.Staffed, new HashSet<string> { "t1" })));
        }

        var layer = new FakeCallLayer(_time, script);
        var dialer = new CampaignDialer(
            campaign,
            pacing ?? new ProgressivePacing(),
            new ComplianceGuard(_dnc, new CallingWindowPolicy(), _journal),
            new DialAuthorizer(_time),
            new TrunkSelector([new TrunkConfig { Name = "t1", Host = "gw.example.net", MaxChannels = channels, MaxCallsPerSecond = 100 }], _time),
            layer,
            _agents,
            _dnc,
            _metrics,
            _time);
        return (dialer, layer, list);
    }

    private long Count(string outcome) => _calls.GetMeasurementSnapshot().Where(m => (string?)m.Tags["outcome"] == outcome).Sum(m => m.Value);

    [Fact]
    public async Task Tick_CampaignNotStarted_NothingDialed()
    {
        var (dialer, layer, _) = Build(TestData.Campaign(), _ => new(DialProgress.Answered), start: false);

        var result = await dialer.TickAsync(CancellationToken.None);

        Assert.Equal(0, result.Dialed);
        Assert.Equal("campaign is Draft", result.Stopped);
        Assert.Empty(layer.Requests);
    }

    [Fact]
    public async Task Tick_AgentsLoggedOut_NothingDialed()
    {
        var (dialer, layer, _) = Build(TestData.Campaign(), _ => new(DialProgress.Answered));
        _agents.Staffed = 0;
        _agents.Free = 0;

        var result = await dialer.TickAsync(CancellationToken.None);

        Assert.Equal("no agents staffed", result.Stopped);
        Assert.Empty(layer.Requests);
    }

    [Fact]
    public async Task Tick_HumanAnswersAgentFree_ConnectedWithCallerIdFieldsAndAuthorisation()
    {
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.Answered, Audio.Human));

        var result = await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal(1, result.Dialed);
        var request = Assert.Single(layer.Requests);
        Assert.Equal(("+12025550143", "+12025550100", "t1", "Customer 0"), (request.Destination, request.CallerId, request.Trunk, request.Fields["name"]));
        Assert.Equal((DialPrincipal.Campaign, "+12025550143"), (request.Authorization.Principal, request.Authorization.Destination));
        Assert.True(request.RingTimeout >= TimeSpan.FromSeconds(15));
        Assert.Equal("sales", layer.Calls[0].ConnectedQueue);
        Assert.Equal(CallOutcome.AnsweredHuman, leads[0].FinalOutcome);
        Assert.Equal(1, Count("answered_human"));
    }

    [Fact]
    public async Task Tick_HumanAnswersNoAgent_AbandonMessageStartsWithinTwoSecondsOfAnswer()
    {
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.Answered, Audio.Human, AgentAnswers: false));

        await dialer.TickAsync(CancellationToken.None);
        var call = layer.Calls[0];
        await call.ConnectEntered.Task.WaitAsync(TimeSpan.FromSeconds(30)); // AMD has taken its 1.3 s of audio
        for (var i = 0; i < 300 && call.AgentWaitCancelledAt is null; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10)); // the agent never comes; the deadline fires inside Advance
        }

        await call.PlayedSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await dialer.DrainAsync();

        Assert.Equal("prompts/abandon.wav", Assert.Single(call.Played).Prompt);
        Assert.True(call.AnsweredAt.HasValue, "answered");
        Assert.True(call.AgentWaitCancelledAt.HasValue, "cancelled");
        Assert.Equal(TimeSpan.FromSeconds(2) - CampaignDialer.PlaybackMargin, call.AgentWaitCancelledAt!.Value - call.AnsweredAt!.Value);
        Assert.True(call.HungUp);
        Assert.Equal(CallOutcome.Abandoned, leads[0].Attempts[^1].Outcome);
        Assert.Equal(1.0, dialer.Campaign.Report(_time.GetUtcNow()).AbandonRatio);
        Assert.Equal(1, Count("abandoned"));
    }

    [Fact]
    public async Task Tick_MachineWithLeaveMessage_MessageAfterTheBeep()
    {
        var config = TestData.Campaign() with { OnMachine = MachineAction.LeaveMessage };
        var (dialer, layer, leads) = Build(config, _ => new(DialProgress.Answered, Audio.Machine));

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        var call = layer.Calls[0];
        var (prompt, _, position) = Assert.Single(call.Played);
        Assert.Equal("prompts/broadcast.wav", prompt);
        Assert.InRange(position, TimeSpan.FromMilliseconds(4000), TimeSpan.FromMilliseconds(4100)); // beep ends at 4.0 s
        Assert.Null(call.ConnectedQueue);
        Assert.Equal(CallOutcome.Machine, leads[0].Attempts[^1].Outcome);
    }

    [Fact]
    public async Task Tick_MachineWithHangup_NoMessageNoAgent()
    {
        var (dialer, layer, _) = Build(TestData.Campaign(), _ => new(DialProgress.Answered, Audio.Machine));

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Empty(layer.Calls[0].Played);
        Assert.True(layer.Calls[0].HungUp);
        Assert.Equal(1, Count("machine"));
    }

    [Fact]
    public async Task Tick_DncAndOutOfWindowLeads_NeverDialed()
    {
        _dnc.Add(new DncEntry("+12025550143", DncSource.Internal, null, Noon, null));
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.Busy), leads: 2);

        var result = await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal((1, 1), (result.Dialed, result.Blocked));
        Assert.Equal("+12025550144", Assert.Single(layer.Requests).Destination);
        Assert.Equal(CallOutcome.Dnc, leads[0].FinalOutcome);
        Assert.Equal(1, Count("dnc"));
        Assert.Equal(1, Count("busy"));

        _time.SetUtcNow(TestData.Utc(2026, 7, 2, 3, 0)); // 23:00 in New York: the busy lead's retry is due, the window is not
        var night = await dialer.TickAsync(CancellationToken.None);
        Assert.Equal((0, 1), (night.Dialed, night.Blocked));
        Assert.Single(layer.Requests);
        Assert.Contains(_journal.Snapshot(), r => r.Rule == ComplianceRule.CallingWindow);
    }

    [Fact]
    public async Task Tick_AgentlessPressNine_OptOutRecordedAndNumberBlocked()
    {
        var config = TestData.Campaign(DialMode.Agentless) with { AmdEnabled = false };
        var (dialer, layer, leads) = Build(config, _ => new(DialProgress.Answered, Digit: '9'), pacing: new AgentlessPacing());

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal("prompts/broadcast.wav", Assert.Single(layer.Calls[0].Played).Prompt);
        Assert.Equal(DncSource.OptOut, _dnc.Find("+12025550143", "any-campaign")!.Source);
        Assert.Equal(CallOutcome.Dnc, leads[0].FinalOutcome);
    }

    [Fact]
    public async Task Tick_AgentlessPressOne_ConnectedToQueue()
    {
        var config = TestData.Campaign(DialMode.Agentless) with { AmdEnabled = false };
        var (dialer, layer, _) = Build(config, _ => new(DialProgress.Answered, Digit: '1'), pacing: new AgentlessPacing());

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal("sales", layer.Calls[0].ConnectedQueue);
    }

    [Fact]
    public async Task Tick_AgentlessIvrScript_RunsScript()
    {
        var config = TestData.Campaign(DialMode.Agentless) with { AmdEnabled = false, IvrScript = "survey" };
        var (dialer, layer, _) = Build(config, _ => new(DialProgress.Answered), pacing: new AgentlessPacing());

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal("survey", layer.Calls[0].IvrScript);
    }

    [Fact]
    public async Task Tick_TrunkChannelsFull_DialsOnlyWhatFitsAndKeepsTheRest()
    {
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.NoAnswer), leads: 5, channels: 2);

        var result = await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal(2, result.Dialed);
        Assert.Equal(2, layer.Requests.Count);
        Assert.Equal(3, leads.Count(l => l.Attempts.Count == 0 && l.State == LeadState.Pending));
    }

    [Fact]
    public async Task Tick_NetworkFailures_CountedAndTrunkFailsOver()
    {
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.Failed), leads: 3);

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.Equal(3, Count("failed"));
        Assert.All(leads, l => Assert.Equal(CallOutcome.Failed, l.Attempts[^1].Outcome));
        var again = await dialer.TickAsync(CancellationToken.None); // three failures in a row: trunk down for 30 s
        Assert.Equal(0, again.Dialed);
    }

    [Fact]
    public async Task Tick_PremiumRateLead_RefusedNeverDialed()
    {
        var (dialer, layer, leads) = Build(TestData.Campaign(), _ => new(DialProgress.Busy));
        var premium = new Lead("p1", "+19005550100", ["America/New_York"], new Dictionary<string, string>(), 9);
        dialer.Campaign.Pause();
        dialer.Campaign.AddLeads([premium]);
        Assert.Empty(dialer.Campaign.Start(new CampaignStartContext(5, new HashSet<string> { "t1" })));

        await dialer.TickAsync(CancellationToken.None);
        await dialer.DrainAsync();

        Assert.DoesNotContain(layer.Requests, r => r.Destination == "+19005550100");
        Assert.Equal(LeadState.Done, premium.State);
        Assert.Single(layer.Requests);
        Assert.Equal(LeadState.Pending, leads[0].State); // busy: retried later under its rule
    }
}
