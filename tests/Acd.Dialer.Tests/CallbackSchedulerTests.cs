using Acd.Dialer.Callbacks;

namespace Acd.Dialer.Tests;

public sealed class CallbackSchedulerTests
{
    private static readonly DateTimeOffset Now = TestData.Utc(2026, 7, 1, 16, 0);
    private static readonly IReadOnlySet<string> NoNamed = new HashSet<string>();

    private static CallbackRequest Request(string id, CallbackKind kind, DateTimeOffset at, string? agent = null) =>
        new() { Id = id, E164 = "+12025550143", Queue = "sales", Kind = kind, At = at, AgentId = agent };

    [Fact]
    public void TakeDue_ScheduledCallback_DueAtItsTimeOnly()
    {
        var scheduler = new CallbackScheduler();
        scheduler.Add(Request("s1", CallbackKind.Scheduled, Now.AddMinutes(10)));

        Assert.Empty(scheduler.TakeDue("sales", Now, null, 5, NoNamed));
        var due = Assert.Single(scheduler.TakeDue("sales", Now.AddMinutes(10), null, 5, NoNamed));
        Assert.Equal((CallbackScheduler.CallbackPriority, TimeSpan.Zero), (due.Priority, due.OriginalWait));
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public void TakeDue_KeepMyPlace_WaitsForCallersWhoJoinedEarlier()
    {
        var scheduler = new CallbackScheduler();
        scheduler.Add(Request("k1", CallbackKind.KeepMyPlace, Now.AddMinutes(-10)));

        // Someone who joined 12 minutes ago still waits: they go first.
        Assert.Empty(scheduler.TakeDue("sales", Now, Now.AddMinutes(-12), 5, NoNamed));

        // The oldest caller now joined 8 minutes ago: the callback's place (10 minutes ago) is at the head.
        var due = Assert.Single(scheduler.TakeDue("sales", Now, Now.AddMinutes(-8), 5, NoNamed));
        Assert.Equal(TimeSpan.FromMinutes(10), due.OriginalWait);
    }

    [Fact]
    public void TakeDue_OnePerFreeAgentOldestPlaceFirst()
    {
        var scheduler = new CallbackScheduler();
        scheduler.Add(Request("late", CallbackKind.KeepMyPlace, Now.AddMinutes(-2)));
        scheduler.Add(Request("early", CallbackKind.KeepMyPlace, Now.AddMinutes(-9)));
        scheduler.Add(Request("other-queue", CallbackKind.Scheduled, Now) with { Queue = "support" });

        Assert.Empty(scheduler.TakeDue("sales", Now, null, 0, NoNamed));
        Assert.Equal("early", Assert.Single(scheduler.TakeDue("sales", Now, null, 1, NoNamed)).Request.Id);
        Assert.Equal("late", Assert.Single(scheduler.TakeDue("sales", Now, null, 1, NoNamed)).Request.Id);
    }

    [Fact]
    public void TakeDue_NamedAgent_OnlyWhenThatAgentIsFree()
    {
        var scheduler = new CallbackScheduler();
        scheduler.Add(Request("n1", CallbackKind.Scheduled, Now, agent: "alice"));

        Assert.Empty(scheduler.TakeDue("sales", Now, null, 3, new HashSet<string> { "bob" }));
        Assert.Single(scheduler.TakeDue("sales", Now, null, 3, new HashSet<string> { "alice" }));
    }

    [Fact]
    public void Cancel_RemovesPending()
    {
        var scheduler = new CallbackScheduler();
        scheduler.Add(Request("s1", CallbackKind.Scheduled, Now));

        Assert.True(scheduler.Cancel("s1"));
        Assert.False(scheduler.Cancel("s1"));
        Assert.Equal(0, scheduler.Count);
    }
}
