using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Dialer.Tests;

public sealed class ComplianceGuardTests
{
    private static readonly DateTimeOffset Noon = TestData.Utc(2026, 7, 1, 16, 0); // 12:00 in New York

    private readonly FakeTimeProvider _time = new(Noon);
    private readonly InMemoryDoNotCallRegistry _dnc;
    private readonly InMemoryComplianceJournal _journal = new();
    private readonly ComplianceGuard _guard;

    public ComplianceGuardTests()
    {
        _dnc = new InMemoryDoNotCallRegistry(_time);
        _guard = new ComplianceGuard(_dnc, new CallingWindowPolicy(), _journal);
    }

    [Fact]
    public void Check_CleanLeadInWindow_AllowedAndJournaled()
    {
        var decision = _guard.Check(TestData.Campaign(), TestData.Lead("+12025550143"), Noon, agentGuaranteed: false);

        Assert.True(decision.Allowed);
        var record = Assert.Single(_journal.Snapshot());
        Assert.Equal(("c1", "+12025550143", true), (record.CampaignId, record.E164, record.Allowed));
    }

    [Fact]
    public void Check_NumberOnInternalList_BlockedForever()
    {
        _dnc.Add(new DncEntry("+12025550143", DncSource.Internal, null, Noon, "asked"));

        var decision = _guard.Check(TestData.Campaign(), TestData.Lead("+12025550143"), Noon, agentGuaranteed: true);

        Assert.False(decision.Allowed);
        Assert.Equal(ComplianceRule.DoNotCall, decision.Rule);
        Assert.Null(decision.RetryAt);
        Assert.False(Assert.Single(_journal.Snapshot()).Allowed);
    }

    [Fact]
    public void Check_CampaignList_BlocksOnlyThatCampaign()
    {
        _dnc.Add(new DncEntry("+12025550143", DncSource.Campaign, "other", Noon, null));

        Assert.True(_guard.Check(TestData.Campaign(), TestData.Lead("+12025550143"), Noon, false).Allowed);
        Assert.False(_guard.Check(TestData.Campaign() with { Id = "other" }, TestData.Lead("+12025550143"), Noon, false).Allowed);
    }

    [Fact]
    public void OptOut_DuringOneCampaign_BlocksEveryCampaign()
    {
        var entry = _dnc.OptOut("+12025550143", "c1", "press-9");

        Assert.Equal((DncSource.OptOut, Noon), (entry.Source, entry.AddedAt));
        Assert.Equal(ComplianceRule.DoNotCall, _guard.Check(TestData.Campaign() with { Id = "c2" }, TestData.Lead("+12025550143"), Noon, false).Rule);
    }

    [Fact]
    public void Import_DncFile_InvalidLinesReportedValidOnesBlock()
    {
        var errors = _dnc.Import(new StringReader("# national registry extract\n(202) 555-0143\nbogus\n\n+44 20 7946 0018\n"), DncSource.Imported, null, "US");

        Assert.Equal(3, Assert.Single(errors).Line);
        Assert.NotNull(_dnc.Find("+12025550143", "any"));
        Assert.NotNull(_dnc.Find("+442079460018", "any"));
        Assert.Equal(2, _dnc.Count);
    }

    [Fact]
    public void Check_AbandonedWithin72Hours_BlockedUnlessAgentGuaranteed()
    {
        var lead = TestData.Lead("+12025550143");
        lead.Record(new LeadAttempt(Noon - TimeSpan.FromHours(80), Noon - TimeSpan.FromHours(71), CallOutcome.Abandoned, "t1", null));
        var campaign = TestData.Campaign() with { Retry = new Dictionary<CallOutcome, RetryRule> { [CallOutcome.Abandoned] = new(3, TimeSpan.FromHours(1)) } };

        var predictive = _guard.Check(campaign, lead, Noon, agentGuaranteed: false);
        var withAgent = _guard.Check(campaign, lead, Noon, agentGuaranteed: true);
        var strict = _guard.Check(campaign with { AllowAbandonRedialWithAgent = false }, lead, Noon, agentGuaranteed: true);
        var later = _guard.Check(campaign, lead, Noon + TimeSpan.FromHours(1), agentGuaranteed: false);

        Assert.Equal(ComplianceRule.AbandonRedial, predictive.Rule);
        Assert.Equal(Noon + TimeSpan.FromHours(1), predictive.RetryAt);
        Assert.True(withAgent.Allowed);
        Assert.False(strict.Allowed);
        Assert.True(later.Allowed);
    }

    [Fact]
    public void Check_RetryDelayAndLimitPerOutcome_Enforced()
    {
        var campaign = TestData.Campaign() with
        {
            Retry = new Dictionary<CallOutcome, RetryRule> { [CallOutcome.Busy] = new(2, TimeSpan.FromMinutes(10)) },
        };
        var lead = TestData.Lead("+12025550143");
        lead.Record(new LeadAttempt(Noon, Noon + TimeSpan.FromSeconds(5), CallOutcome.Busy, "t1", null));

        var tooSoon = _guard.Check(campaign, lead, Noon + TimeSpan.FromMinutes(5), false);
        var onTime = _guard.Check(campaign, lead, Noon + TimeSpan.FromMinutes(11), false);
        lead.Record(new LeadAttempt(Noon + TimeSpan.FromMinutes(11), Noon + TimeSpan.FromMinutes(11), CallOutcome.Busy, "t1", null));
        var exhausted = _guard.Check(campaign, lead, Noon + TimeSpan.FromHours(1), false);

        Assert.Equal((ComplianceRule.RetryDelay, Noon + TimeSpan.FromSeconds(5) + TimeSpan.FromMinutes(10)), (tooSoon.Rule, tooSoon.RetryAt));
        Assert.True(onTime.Allowed);
        Assert.Equal((ComplianceRule.AttemptLimit, (DateTimeOffset?)null), (exhausted.Rule, exhausted.RetryAt));
    }

    [Fact]
    public void Check_TotalAttemptLimitAndFinalOutcome_Blocked()
    {
        var lead = TestData.Lead("+12025550143");
        for (var i = 0; i < 2; i++)
        {
            lead.Record(new LeadAttempt(Noon, Noon, CallOutcome.NoAnswer, "t1", null));
        }

        Assert.Equal(ComplianceRule.AttemptLimit, _guard.Check(TestData.Campaign() with { MaxAttemptsPerLead = 2 }, lead, Noon + TimeSpan.FromDays(1), false).Rule);

        var answered = TestData.Lead("+12025550144");
        answered.Record(new LeadAttempt(Noon, Noon, CallOutcome.AnsweredHuman, "t1", null));
        Assert.Contains("final", _guard.Check(TestData.Campaign(), answered, Noon, false).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OutsideCalleeHours_BlockedWithNextOpen()
    {
        var decision = _guard.Check(TestData.Campaign(), TestData.Lead("+12025550143"), TestData.Utc(2026, 7, 1, 2, 0), false);

        Assert.Equal(ComplianceRule.CallingWindow, decision.Rule);
        Assert.Equal(TestData.Utc(2026, 7, 1, 12, 0), decision.RetryAt);
    }

    [Fact]
    public void Journal_OverCapacity_KeepsNewestAndCountsDropped()
    {
        var journal = new InMemoryComplianceJournal(2);
        for (var i = 0; i < 5; i++)
        {
            journal.Write(new ComplianceRecord(Noon, "c1", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "+1", true, ComplianceRule.None, ""));
        }

        Assert.Equal(["3", "4"], journal.Snapshot().Select(r => r.LeadId));
        Assert.Equal(3, journal.Dropped);
    }
}
