using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;

namespace Acd.Dialer.Tests;

internal static class TestData
{
    public static CampaignConfig Campaign(DialMode mode = DialMode.Predictive) => new()
    {
        Id = "c1",
        Mode = mode,
        CallerId = "+12025550100",
        Queue = "sales",
        Trunks = ["t1"],
        AbandonMessage = "prompts/abandon.wav",
        Message = "prompts/broadcast.wav",
        AllowedRegions = ["US", "GB", "AU"],
    };

    public static Lead Lead(string number, string id = "l1")
    {
        Assert.True(PhoneNumberNormaliser.TryNormalise(number, "US", out var n, out var error), error);
        return new Lead(id, n!.E164, n.TimeZones, new Dictionary<string, string>(), 2);
    }

    public static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);
}
