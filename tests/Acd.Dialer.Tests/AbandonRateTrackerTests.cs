using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;

namespace Acd.Dialer.Tests;

public sealed class AbandonRateTrackerTests
{
    private static readonly DateTimeOffset Start = TestData.Utc(2026, 7, 1, 0, 0);

    [Fact]
    public void Snapshot_WithinWindow_AbandonedOverLiveAnswered()
    {
        var tracker = new AbandonRateTracker(AbandonWindows.Ofcom);
        for (var i = 0; i < 97; i++)
        {
            tracker.RecordConnected(Start.AddMinutes(i));
        }

        for (var i = 0; i < 3; i++)
        {
            tracker.RecordAbandoned(Start.AddMinutes(100 + i));
        }

        var snapshot = tracker.Snapshot(Start.AddHours(3));

        Assert.Equal((100L, 3L), (snapshot.LiveAnswered, snapshot.Abandoned));
        Assert.Equal(0.03, snapshot.Ratio, 10);
        Assert.Equal(0, snapshot.Headroom(0.03), 10);
    }

    [Fact]
    public void Snapshot_AfterWindowPasses_OldCallsExpire()
    {
        var tracker = new AbandonRateTracker(AbandonWindows.Ofcom);
        tracker.RecordAbandoned(Start);
        tracker.RecordConnected(Start.AddHours(12));

        Assert.Equal(2, tracker.Snapshot(Start.AddHours(23)).LiveAnswered);
        var later = tracker.Snapshot(Start.AddHours(24).AddMinutes(2));
        Assert.Equal((1L, 0L), (later.LiveAnswered, later.Abandoned));
        Assert.Equal(0, tracker.Snapshot(Start.AddDays(3)).LiveAnswered);
    }

    [Fact]
    public void Snapshot_ThirtyDayWindow_KeepsThreeWeeksOld()
    {
        var tracker = new AbandonRateTracker(AbandonWindows.Fcc);
        tracker.RecordAbandoned(Start);

        Assert.Equal(1, tracker.Snapshot(Start.AddDays(21)).Abandoned);
        Assert.Equal(0, tracker.Snapshot(Start.AddDays(31)).Abandoned);
    }

    [Fact]
    public void Record_ClockGoesBackwards_CountedNotLost()
    {
        var tracker = new AbandonRateTracker(AbandonWindows.Ofcom);
        tracker.RecordConnected(Start.AddHours(2));
        tracker.RecordAbandoned(Start.AddHours(1));

        Assert.Equal((2L, 1L), (tracker.Snapshot(Start.AddHours(2)).LiveAnswered, tracker.Snapshot(Start.AddHours(2)).Abandoned));
    }

    [Fact]
    public void Constructor_TinyWindow_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbandonRateTracker(TimeSpan.FromSeconds(5)));
    }
}
