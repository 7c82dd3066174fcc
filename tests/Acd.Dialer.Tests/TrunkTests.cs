using Acd.Dialer.Trunks;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Dialer.Tests;

public sealed class TrunkTests
{
    private readonly FakeTimeProvider _time = new(TestData.Utc(2026, 7, 1, 16, 0));

    private static TrunkConfig Trunk(string name, int channels = 10, double cps = 5, int priority = 0) =>
        new() { Name = name, Host = "gw.example.net", MaxChannels = channels, MaxCallsPerSecond = cps, Priority = priority };

    [Fact]
    public void TryAcquire_BurstOverCps_RateLimitedUntilTimeAdvances()
    {
        var limiter = new TrunkLimiter(Trunk("t1", channels: 100, cps: 5), _time);

        var results = Enumerable.Range(0, 6).Select(_ => limiter.TryAcquire()).ToArray();
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var afterOneToken = limiter.TryAcquire();
        var again = limiter.TryAcquire();

        Assert.Equal(5, results.Count(r => r == TrunkRefusal.None));
        Assert.Equal(TrunkRefusal.RateLimited, results[5]);
        Assert.Equal(TrunkRefusal.None, afterOneToken);
        Assert.Equal(TrunkRefusal.RateLimited, again);
    }

    [Fact]
    public void TryAcquire_AllChannelsBusy_NoChannelUntilRelease()
    {
        var limiter = new TrunkLimiter(Trunk("t1", channels: 2, cps: 100), _time);

        Assert.Equal(TrunkRefusal.None, limiter.TryAcquire());
        Assert.Equal(TrunkRefusal.None, limiter.TryAcquire());
        Assert.Equal(TrunkRefusal.NoChannel, limiter.TryAcquire());
        limiter.Release(trunkFailure: false);
        Assert.Equal(TrunkRefusal.None, limiter.TryAcquire());
    }

    [Fact]
    public void Release_FailuresInRow_TrunkDownForCooldownThenBack()
    {
        var limiter = new TrunkLimiter(Trunk("t1", cps: 100) with { FailuresBeforeFailover = 2, FailoverCooldown = TimeSpan.FromSeconds(30) }, _time);
        for (var i = 0; i < 2; i++)
        {
            limiter.TryAcquire();
            limiter.Release(trunkFailure: true);
        }

        Assert.Equal(TrunkRefusal.Down, limiter.TryAcquire());
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TrunkRefusal.None, limiter.TryAcquire());
    }

    [Fact]
    public void Acquire_PrimaryFullOrDown_FailsOverToSecondary()
    {
        var selector = new TrunkSelector([Trunk("primary", channels: 1, cps: 100), Trunk("backup", channels: 5, cps: 100, priority: 1)], _time);

        Assert.Equal("primary", selector.Acquire(["backup", "primary"], out _)!.Config.Name);
        Assert.Equal("backup", selector.Acquire(["backup", "primary"], out _)!.Config.Name);
        Assert.Equal(5, selector.FreeChannels(["primary", "backup"]) + 1);
    }

    [Fact]
    public void Acquire_NothingAvailable_NullWithReason()
    {
        var selector = new TrunkSelector([Trunk("t1", channels: 1, cps: 100)], _time);
        selector.Acquire(["t1"], out _);

        Assert.Null(selector.Acquire(["t1"], out var refusal));
        Assert.Equal(TrunkRefusal.NoChannel, refusal);
        Assert.Null(selector.Acquire(["unknown"], out _));
    }

    [Fact]
    public void Validate_BadConfig_EveryErrorWithLocation()
    {
        var errors = new TrunkConfig
        {
            Name = "bad",
            Host = "not a host!",
            Port = 0,
            Transport = "sctp",
            Username = "u",
            MaxChannels = 0,
            MaxCallsPerSecond = 0,
        }.Validate("trunks[0]");

        Assert.Equal(
            ["trunks[0].host", "trunks[0].port", "trunks[0].transport", "trunks[0].username", "trunks[0].maxChannels", "trunks[0].maxCallsPerSecond"],
            errors.Select(e => e.Location));
        Assert.Equal(
            ["t.password", "t.callerIdFormat", "t.dialPrefix"],
            new TrunkConfig { Name = "x", Host = "gw", Username = "u", Password = "", CallerIdFormat = "national", DialPrefix = "9x" }.Validate("t").Select(e => e.Location));
        Assert.Equal(["t.register"], (Trunk("r") with { Register = true }).Validate("t").Select(e => e.Location));
        Assert.Empty(Trunk("ok").Validate("t"));
    }

    [Fact]
    public void ToString_TrunkWithPassword_PasswordRedacted()
    {
        var text = (Trunk("t1") with { Username = "acd", Password = "s3cret-Pa55" }).ToString();

        Assert.DoesNotContain("s3cret-Pa55", text, StringComparison.Ordinal);
        Assert.Contains("(redacted)", text, StringComparison.Ordinal);
        Assert.Contains("acd", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatCallerId_DigitsFormat_PlusDropped()
    {
        Assert.Equal("+15551230000", Trunk("t").FormatCallerId("+15551230000"));
        Assert.Equal("15551230000", (Trunk("t") with { CallerIdFormat = "digits" }).FormatCallerId("+15551230000"));
    }

    [Fact]
    public void TryFailOver_PrimaryFails_NextTrunkOnceThenNone()
    {
        var selector = new TrunkSelector([Trunk("primary", cps: 100), Trunk("backup", cps: 100, priority: 1)], _time);
        var lease = selector.Lease(["primary", "backup"], out _)!;

        Assert.Equal("primary", lease.Name);
        Assert.True(lease.TryFailOver(out _));
        Assert.Equal("backup", lease.Name);
        Assert.Equal(0, selector.Get("primary")!.ChannelsInUse);
        Assert.Equal(1, selector.Get("backup")!.ChannelsInUse);
        Assert.False(lease.TryFailOver(out _));
        Assert.Equal("backup", lease.Name);
        Assert.Equal(0, selector.Get("backup")!.ChannelsInUse);
        lease.Release(trunkFailure: false); // already released by the failed failover: no double release
        Assert.Equal(["primary", "backup"], lease.Tried);
    }

    [Fact]
    public void Release_LeaseReleasedTwice_ChannelGivenBackOnce()
    {
        var selector = new TrunkSelector([Trunk("t1", channels: 2, cps: 100)], _time);
        var first = selector.Lease(["t1"], out _)!;
        _ = selector.Lease(["t1"], out _)!;

        first.Release(trunkFailure: false);
        first.Release(trunkFailure: false);

        Assert.Equal(1, selector.Get("t1")!.ChannelsInUse);
    }
}
