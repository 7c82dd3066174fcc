namespace Acd.Dialer.Compliance;

/// <summary>Live-answered and abandoned calls over a window, and their ratio.</summary>
public readonly record struct AbandonSnapshot(long LiveAnswered, long Abandoned, TimeSpan Window)
{
    /// <summary>Abandoned over live-answered (abandoned calls are live answers too); 0 when nothing was answered.</summary>
    public double Ratio => LiveAnswered == 0 ? 0 : (double)Abandoned / LiveAnswered;

    /// <summary>How many more abandons the window can take while staying at or under <paramref name="limit"/>, counting <paramref name="extraLive"/> more live answers.</summary>
    public double Headroom(double limit, double extraLive = 0) => (limit * (LiveAnswered + extraLive)) - Abandoned;
}

/// <summary>
/// The abandon ratio of one campaign over a sliding regulatory window (30 days FCC, 24 hours Ofcom), kept in
/// 1,440 buckets so memory is fixed whatever the volume. A bucket leaves the window whole, so the ratio may cover
/// up to one bucket (1/1440 of the window) more than the window: the conservative side. Single writer.
/// </summary>
public sealed class AbandonRateTracker
{
    public const int Buckets = 1440;

    private readonly long[] _live = new long[Buckets];
    private readonly long[] _abandoned = new long[Buckets];
    private readonly long _bucketTicks;
    private long _headBucket = long.MinValue;
    private long _liveSum;
    private long _abandonedSum;

    public AbandonRateTracker(TimeSpan window)
    {
        if (window < TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be at least one minute.");
        }

        Window = window;
        _bucketTicks = Math.Max(1, window.Ticks / Buckets);
    }

    public TimeSpan Window { get; }

    /// <summary>A live person answered and reached an agent (or a broadcast message).</summary>
    public void RecordConnected(DateTimeOffset at)
    {
        var i = Advance(at);
        _live[i]++;
        _liveSum++;
    }

    /// <summary>A live person answered and no agent was free: counts as a live answer and an abandon.</summary>
    public void RecordAbandoned(DateTimeOffset at)
    {
        var i = Advance(at);
        _live[i]++;
        _abandoned[i]++;
        _liveSum++;
        _abandonedSum++;
    }

    public AbandonSnapshot Snapshot(DateTimeOffset now)
    {
        Advance(now);
        return new AbandonSnapshot(_liveSum, _abandonedSum, Window);
    }

    private int Advance(DateTimeOffset at)
    {
        var bucket = at.UtcTicks / _bucketTicks;
        if (_headBucket == long.MinValue)
        {
            _headBucket = bucket;
        }
        else if (bucket > _headBucket)
        {
            var expire = Math.Min(bucket - _headBucket, Buckets);
            for (long b = 1; b <= expire; b++)
            {
                var idx = (int)((_headBucket + b) % Buckets);
                _liveSum -= _live[idx];
                _abandonedSum -= _abandoned[idx];
                _live[idx] = 0;
                _abandoned[idx] = 0;
            }

            _headBucket = bucket;
        }

        // A late event (clock went backwards) is charged to the current bucket: never lost, never early-expired.
        return (int)(_headBucket % Buckets);
    }
}
