using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Dialer.Tests;

public sealed class AuthorizationTests
{
    private readonly DialAuthorizer _authorizer = new(new FakeTimeProvider(TestData.Utc(2026, 7, 1, 16, 0)));

    private static Campaign Running(CampaignConfig? config = null)
    {
        var campaign = new Campaign(config ?? TestData.Campaign());
        campaign.AddLeads([TestData.Lead("+12025550143")]);
        Assert.Empty(campaign.Start(new CampaignStartContext(5, new HashSet<string> { "t1" })));
        return campaign;
    }

    [Fact]
    public void AuthorizeCampaign_RunningWithCallerId_Authorised()
    {
        var result = _authorizer.AuthorizeCampaign(Running(), "+12025550143");

        Assert.True(result.Allowed);
        Assert.Equal((DialPrincipal.Campaign, "c1", "+12025550143"), (result.Authorization!.Principal, result.Authorization.Id, result.Authorization.Destination));
    }

    [Fact]
    public void AuthorizeCampaign_NotRunning_Refused()
    {
        var campaign = Running();
        campaign.Pause();

        Assert.Contains("Paused", _authorizer.AuthorizeCampaign(campaign, "+12025550143").Refusal, StringComparison.Ordinal);
        Assert.False(_authorizer.AuthorizeCampaign(new Campaign(TestData.Campaign()), "+12025550143").Allowed);
    }

    [Theory]
    [InlineData("+19005550100", "PREMIUM_RATE")]
    [InlineData("+61412345678", "region AU is not allowed")]
    [InlineData("2025550143", "not an E.164 number")]
    [InlineData("+1202", "not an E.164 number")]
    public void AuthorizeCampaign_TollFraudDestinations_Refused(string destination, string reason)
    {
        var campaign = Running(TestData.Campaign() with { AllowedRegions = ["US", "GB"] });

        var result = _authorizer.AuthorizeCampaign(campaign, destination);

        Assert.False(result.Allowed);
        Assert.Contains(reason, result.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthorizeAgent_RightsChecked()
    {
        Assert.True(_authorizer.AuthorizeAgent(new AgentDialRights("a1", true, true, ["US"]), "+12025550143").Allowed);
        Assert.Contains("not authenticated", _authorizer.AuthorizeAgent(new AgentDialRights("a1", false, true, ["US"]), "+12025550143").Refusal, StringComparison.Ordinal);
        Assert.Contains("may not dial out", _authorizer.AuthorizeAgent(new AgentDialRights("a1", true, false, ["US"]), "+12025550143").Refusal, StringComparison.Ordinal);
        Assert.False(_authorizer.AuthorizeAgent(new AgentDialRights("a1", true, true, ["US"]), "+442079460018").Allowed);
    }
}
