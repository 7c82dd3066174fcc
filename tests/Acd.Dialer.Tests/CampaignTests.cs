using Acd.Dialer.Campaigns;
using Acd.Dialer.Leads;

namespace Acd.Dialer.Tests;

public sealed class CampaignTests
{
    private static readonly CampaignStartContext Ready = new(5, new HashSet<string> { "t1" });
    private static readonly DateTimeOffset Noon = TestData.Utc(2026, 7, 1, 16, 0);

    private static Campaign WithLead(CampaignConfig config)
    {
        var campaign = new Campaign(config);
        Assert.Null(campaign.AddLeads([TestData.Lead("+12025550143")]));
        return campaign;
    }

    [Fact]
    public void Start_Valid_Running()
    {
        var campaign = WithLead(TestData.Campaign());

        Assert.Empty(campaign.Start(Ready));
        Assert.Equal(CampaignState.Running, campaign.State);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("+1202", "invalid")]
    [InlineData("2025550100", "must be E.164")]
    public void Start_WithoutValidCallerId_RefusedAndStaysDraft(string? callerId, string message)
    {
        var campaign = WithLead(TestData.Campaign() with { CallerId = callerId });

        var errors = campaign.Start(Ready);

        var error = Assert.Single(errors);
        Assert.Equal("campaign.callerId", error.Location);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(CampaignState.Draft, campaign.State);
    }

    [Fact]
    public void Start_NoAgentsNoLeadsUnknownTrunk_EveryError()
    {
        var campaign = new Campaign(TestData.Campaign() with { Trunks = ["t9"] });

        var errors = campaign.Start(new CampaignStartContext(0, new HashSet<string> { "t1" }));

        Assert.Equal(["campaign.leads", "campaign.queue", "campaign.trunks"], errors.Select(e => e.Location));
        Assert.Equal(CampaignState.Draft, campaign.State);
    }

    [Fact]
    public void Start_AgentlessWithoutAgents_Allowed()
    {
        var campaign = WithLead(TestData.Campaign(DialMode.Agentless));

        Assert.Empty(campaign.Start(new CampaignStartContext(0, new HashSet<string> { "t1" })));
    }

    [Fact]
    public void Validate_BadSettings_EveryErrorWithLocation()
    {
        var errors = new CampaignConfig
        {
            Id = "bad",
            Mode = DialMode.Predictive,
            CallerId = "+12025550100",
            MaxAbandonRate = 0.05,
            TargetAbandonRate = 0.06,
            RingTimeout = TimeSpan.FromSeconds(10),
            ConnectDeadline = TimeSpan.FromSeconds(3),
            TimeZone = "Mars/Olympus",
            AllowedRegions = [],
            Retry = new Dictionary<CallOutcome, RetryRule> { [CallOutcome.AnsweredHuman] = new(1, TimeSpan.Zero) },
        }.Validate();

        Assert.Equal(
            ["campaign.queue", "campaign.allowedRegions", "campaign.trunks", "campaign.maxAbandonRate", "campaign.targetAbandonRate", "campaign.ringTimeout", "campaign.connectDeadline", "campaign.abandonMessage", "campaign.retry.AnsweredHuman", "campaign.timeZone"],
            errors.Select(e => e.Location));
    }

    [Fact]
    public void StateMachine_PauseResumeFinish()
    {
        var campaign = WithLead(TestData.Campaign());
        Assert.False(campaign.Pause());
        campaign.Start(Ready);

        Assert.True(campaign.Pause());
        Assert.Equal(CampaignState.Paused, campaign.State);
        Assert.Empty(campaign.Start(Ready));
        Assert.True(campaign.Finish());
        Assert.NotEmpty(campaign.Start(Ready));
        Assert.NotNull(campaign.AddLeads([TestData.Lead("+12025550144", "l2")]));
    }

    [Fact]
    public void Record_BusyThenRetryRule_LeadDueAgainAfterDelay()
    {
        var campaign = WithLead(TestData.Campaign());
        campaign.Start(Ready);
        var lead = campaign.TakeDue(Noon)!;

        campaign.Record(lead, new LeadAttempt(Noon, Noon.AddSeconds(5), CallOutcome.Busy, "t1", null), null);

        Assert.Null(campaign.TakeDue(Noon.AddMinutes(5)));
        Assert.Same(lead, campaign.TakeDue(Noon.AddMinutes(11)));
    }

    [Fact]
    public void Record_HumanAndAbandon_FeedWindowAndReport()
    {
        var campaign = new Campaign(TestData.Campaign());
        var leads = Enumerable.Range(0, 4).Select(i => TestData.Lead($"+1202555014{i}", $"l{i}")).ToArray();
        campaign.AddLeads(leads);
        campaign.Start(Ready);
        for (var i = 0; i < 4; i++)
        {
            var lead = campaign.TakeDue(Noon)!;
            campaign.Record(lead, new LeadAttempt(Noon, Noon.AddSeconds(30), i == 0 ? CallOutcome.Abandoned : CallOutcome.AnsweredHuman, "t1", null), TimeSpan.FromSeconds(8));
        }

        var report = campaign.Report(Noon.AddMinutes(1));

        Assert.Equal((4L, 1L, 0.25, false), (report.LiveAnswered, report.Abandoned, report.AbandonRatio, report.WithinLimit));
        Assert.Equal(3, report.Outcomes[CallOutcome.AnsweredHuman]);
        Assert.Equal(LeadState.Done, leads[1].State);
        Assert.Equal(LeadState.Pending, leads[0].State); // abandoned: retried under its rule (72 h)
    }

    [Fact]
    public void AddLeads_FromImport_RejectedRowsCountedFatalImportAddsNothing()
    {
        using var metrics = new DialerMetrics();
        using var rejected = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(metrics.Meter, "acd_dialer_import_rejected_rows_total");
        var campaign = new Campaign(TestData.Campaign());

        Assert.Null(campaign.AddLeads(LeadCsvImporter.Import("phone\n2025550143\nbad\nworse\n", new LeadImportOptions()), metrics));
        Assert.Contains("no 'phone' column", campaign.AddLeads(LeadCsvImporter.Import("tel\n2025550144\n", new LeadImportOptions()), metrics), StringComparison.Ordinal);

        Assert.Equal(1, campaign.PendingLeads);
        Assert.Equal(2, rejected.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public void Restore_AttemptsBeforeRestart_LeadWaitsForRetryAndAbandonWindowBack()
    {
        var campaign = new Campaign(TestData.Campaign());
        var busy = TestData.Lead("+12025550143", "busy");
        var abandoned = TestData.Lead("+12025550144", "abandoned");
        var answered = TestData.Lead("+12025550145", "answered");
        Assert.Null(campaign.AddLeads([busy, abandoned, answered]));

        campaign.Restore(busy, [new LeadAttempt(Noon, Noon.AddSeconds(5), CallOutcome.Busy, "t1", null)]);
        campaign.Restore(abandoned, [new LeadAttempt(Noon, Noon.AddSeconds(9), CallOutcome.Abandoned, "t1", null)]);
        campaign.Restore(answered, [new LeadAttempt(Noon, Noon.AddSeconds(60), CallOutcome.AnsweredHuman, "t1", null)]);

        Assert.Equal(LeadState.Done, answered.State);
        Assert.Equal(1, campaign.Abandons.Snapshot(Noon.AddMinutes(2)).Abandoned);
        Assert.Equal(2, campaign.Abandons.Snapshot(Noon.AddMinutes(2)).LiveAnswered); // live answers count the abandoned one
        Assert.Null(campaign.TakeDue(Noon.AddMinutes(1))); // the import's queue entries are stale: nobody is due yet
        Assert.Same(busy, campaign.TakeDue(Noon.AddMinutes(11)));
        Assert.Null(campaign.TakeDue(Noon.AddMinutes(11)));
    }
}
