using Acd.Dialer.Compliance;
using NodaTime;

namespace Acd.Dialer.Tests;

public sealed class CallingWindowPolicyTests
{
    private readonly CallingWindowPolicy _policy = new();

    private WindowDecision Check(string number, DateTimeOffset at, Acd.Dialer.Campaigns.CampaignConfig? campaign = null) =>
        _policy.Check(campaign ?? TestData.Campaign(), TestData.Lead(number).TimeZones, Instant.FromDateTimeOffset(at));

    [Fact]
    public void Check_NewYorkSameUtcTimeAcrossSpringDst_ClosedBeforeOpenAfter()
    {
        // 12:30 UTC is 07:30 EST on Saturday 7 March 2026 and 08:30 EDT on Sunday 8 March (DST began 02:00).
        var before = Check("+12025550143", TestData.Utc(2026, 3, 7, 12, 30));
        var after = Check("+12025550143", TestData.Utc(2026, 3, 8, 12, 30));

        Assert.False(before.Allowed);
        Assert.Contains("07:30 in America/New_York", before.Reason, StringComparison.Ordinal);
        Assert.Equal(Instant.FromDateTimeOffset(TestData.Utc(2026, 3, 7, 13, 0)), before.NextOpen);
        Assert.True(after.Allowed);
    }

    [Fact]
    public void Check_NewYorkEveningAcrossFallDst_ClosedInEdtOpenInEst()
    {
        // 01:30 UTC is 21:30 EDT on 30 October and 20:30 EST on 1 November 2026 (DST ended 02:00 that morning).
        Assert.False(Check("+12025550143", TestData.Utc(2026, 10, 31, 1, 30)).Allowed);
        Assert.True(Check("+12025550143", TestData.Utc(2026, 11, 2, 1, 30)).Allowed);
    }

    [Fact]
    public void Check_PhoenixWithoutDst_WindowEdgesInclusiveStartExclusiveEnd()
    {
        // Arizona stays on MST (UTC-7) all year.
        Assert.False(Check("+15205550100", TestData.Utc(2026, 7, 1, 14, 59)).Allowed);
        Assert.True(Check("+15205550100", TestData.Utc(2026, 7, 1, 15, 0)).Allowed);
        Assert.True(Check("+15205550100", TestData.Utc(2026, 7, 2, 3, 59)).Allowed);
        Assert.False(Check("+15205550100", TestData.Utc(2026, 7, 2, 4, 0)).Allowed);
    }

    [Fact]
    public void Check_IdahoNumberInTwoZones_MostRestrictiveWindowWins()
    {
        // +1 208 is America/Boise (MDT, UTC-6) or America/Los_Angeles (PDT, UTC-7).
        Assert.Equal(["America/Boise", "America/Los_Angeles"], TestData.Lead("+12085550100").TimeZones);

        var morning = Check("+12085550100", TestData.Utc(2026, 7, 1, 14, 30)); // Boise 08:30, LA 07:30
        var day = Check("+12085550100", TestData.Utc(2026, 7, 1, 15, 0)); // Boise 09:00, LA 08:00
        var evening = Check("+12085550100", TestData.Utc(2026, 7, 2, 3, 0)); // Boise 21:00, LA 20:00

        Assert.False(morning.Allowed);
        Assert.Contains("America/Los_Angeles", morning.Reason, StringComparison.Ordinal);
        Assert.Equal(Instant.FromDateTimeOffset(TestData.Utc(2026, 7, 1, 15, 0)), morning.NextOpen);
        Assert.True(day.Allowed);
        Assert.False(evening.Allowed);
        Assert.Contains("America/Boise", evening.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AustralianMobileAllZones_ClosedWhileSydneyOpenButPerthNot()
    {
        // 23:00 UTC on 1 July: Sydney 09:00 (AEST), Perth 07:00 (AWST).
        var decision = Check("+61412345678", TestData.Utc(2026, 7, 1, 23, 0));

        Assert.False(decision.Allowed);
        Assert.NotNull(decision.NextOpen);
    }

    [Fact]
    public void Check_Holiday_ClosedAllDayInCampaignZone()
    {
        var campaign = TestData.Campaign() with { TimeZone = "America/New_York", Holidays = [new LocalDate(2026, 7, 3)] };

        var holiday = Check("+12025550143", TestData.Utc(2026, 7, 3, 16, 0), campaign);
        var nextDay = Check("+12025550143", TestData.Utc(2026, 7, 4, 16, 0), campaign);

        Assert.False(holiday.Allowed);
        Assert.Contains("holiday 2026-07-03", holiday.Reason, StringComparison.Ordinal);
        Assert.Equal(Instant.FromDateTimeOffset(TestData.Utc(2026, 7, 4, 12, 0)), holiday.NextOpen); // 08:00 the next day in New York
        Assert.True(nextDay.Allowed);
    }

    [Fact]
    public void Check_CampaignHours_OnlyConfiguredDaysAndTimes()
    {
        // Wednesdays 14:00-16:00 London time (BST, UTC+1 in July); the New York callee is open all afternoon.
        var campaign = TestData.Campaign() with
        {
            TimeZone = "Europe/London",
            CampaignHours = new Dictionary<IsoDayOfWeek, DailyWindow> { [IsoDayOfWeek.Wednesday] = new(new LocalTime(14, 0), new LocalTime(16, 0)) },
        };

        var inside = Check("+12025550143", TestData.Utc(2026, 7, 1, 13, 30), campaign);
        var early = Check("+12025550143", TestData.Utc(2026, 7, 1, 12, 30), campaign);
        var thursday = Check("+12025550143", TestData.Utc(2026, 7, 2, 13, 30), campaign);

        Assert.True(inside.Allowed);
        Assert.Contains("outside campaign hours (Wednesday 13:30", early.Reason, StringComparison.Ordinal);
        Assert.Equal(Instant.FromDateTimeOffset(TestData.Utc(2026, 7, 1, 13, 0)), early.NextOpen);
        Assert.False(thursday.Allowed);
        Assert.Equal(Instant.FromDateTimeOffset(TestData.Utc(2026, 7, 8, 13, 0)), thursday.NextOpen);
    }

    [Fact]
    public void Check_NoKnownZone_Closed()
    {
        var decision = _policy.Check(TestData.Campaign(), [], Instant.FromDateTimeOffset(TestData.Utc(2026, 7, 1, 16, 0)));

        Assert.False(decision.Allowed);
        Assert.Equal("callee time zone unknown", decision.Reason);
        Assert.Null(decision.NextOpen);
    }
}
