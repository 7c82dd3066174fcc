using System.Collections.Concurrent;

namespace Acd.Media.Clock;

/// <summary>What the scheduler tells a stream at each of its 20 ms ticks.</summary>
public readonly record struct PacingTick(long ScheduledTimestamp, long ActualTimestamp, int MissedFrames);

/// <summary>A stream the pacing loop drives: called once per period, on the loop's thread, never concurrently.</summary>
public interface IPacedStream
{
    /// <summary>Send this period's frame. <see cref="PacingTick.MissedFrames"/> counts periods skipped after a stall.</summary>
    void OnTick(in PacingTick tick);
}

/// <summary>Where paced streams register: one <see cref="MediaScheduler"/>, or the transport's clock with a wheel per core.</summary>
public interface IMediaClock
{
    /// <summary>Registers a stream; it gets its first tick within one period. Dispose the handle to stop.</summary>
    PacedStreamHandle Add(IPacedStream stream);
}

/// <summary>A registration; dispose (or <see cref="MediaScheduler.Remove"/>) to stop the ticks.</summary>
public sealed class PacedStreamHandle : IDisposable
{
    internal PacedStreamHandle(MediaScheduler scheduler, IPacedStream stream)
    {
        Scheduler = scheduler;
        Stream = stream;
    }

    internal MediaScheduler Scheduler { get; }

    /// <summary>The registered stream.</summary>
    public IPacedStream Stream { get; }

    internal int Slot { get; set; } = -1;

    internal int Removed;

    internal int Index { get; set; } = -1;

    internal long NextDue { get; set; }

    /// <summary>Ticks delivered.</summary>
    public long Ticks { get; internal set; }

    /// <summary>Largest send-time error seen, in seconds.</summary>
    public double MaxLatenessSeconds { get; internal set; }

    /// <summary>Sum of send-time errors (for the mean), in seconds.</summary>
    public double TotalLatenessSeconds { get; internal set; }

    /// <summary>Periods skipped because the loop stalled.</summary>
    public long MissedFrames { get; internal set; }

    /// <inheritdoc />
    public void Dispose() => Scheduler.Remove(this);
}

/// <summary>
/// The media clock's timer wheel: one period (20 ms) divided into slots (1 ms); each stream lives in the least
/// loaded slot, so 2,000 streams spread into ~100 per millisecond instead of 2,000 every 20 ms. <see cref="RunDue"/>
/// is the whole of the loop's work: it fires every slot that is due at the given time. Pure and single-threaded
/// (the pacing thread, or a test driving a virtual clock); adds and removes from other threads are queued and
/// applied at the next run. A loop that stalls longer than <see cref="MaxCatchUp"/> does not burst: the missed
/// periods are reported to the stream, which skips them.
/// </summary>
public sealed class MediaScheduler : IMediaClock
{
    private readonly List<PacedStreamHandle>[] _slots;
    private readonly ConcurrentQueue<(PacedStreamHandle Handle, bool Add)> _changes = new();
    private readonly long _period;
    private readonly long _slotWidth;
    private readonly long _maxCatchUp;
    private readonly double _secondsPerTick;
    private readonly MediaMetrics? _metrics;
    private readonly LatencyHistogram _lateness = new();
    private long _nextSlotDue;
    private int _nextSlot;
    private bool _started;
    private int _count;
    private int _load;

    /// <summary>Creates a wheel on a clock of <paramref name="timestampFrequency"/> ticks per second.</summary>
    public MediaScheduler(long timestampFrequency, TimeSpan? period = null, int slots = 20, MediaMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        var p = period ?? TimeSpan.FromMilliseconds(20);
        _period = (long)(p.TotalSeconds * timestampFrequency);
        _slotWidth = _period / slots;
        _period = _slotWidth * slots;
        _maxCatchUp = _period * 2;
        _secondsPerTick = 1.0 / timestampFrequency;
        _metrics = metrics;
        _slots = new List<PacedStreamHandle>[slots];
        for (var i = 0; i < slots; i++)
        {
            _slots[i] = [];
        }
    }

    /// <summary>The period, in clock ticks.</summary>
    public long Period => _period;

    /// <summary>How far behind a slot may fall before missed periods are skipped instead of sent.</summary>
    public long MaxCatchUp => _maxCatchUp;

    /// <summary>Streams registered (as of the last run).</summary>
    public int Count => _count;

    /// <summary>Streams registered including adds and removes not yet applied (for balancing wheels).</summary>
    public int Load => Volatile.Read(ref _load);

    /// <summary>When the next slot is due (clock ticks); the loop sleeps until then.</summary>
    public long NextDue => _nextSlotDue;

    /// <summary>Streams removed because their tick threw.</summary>
    public long Faults { get; private set; }

    /// <summary>Raised (on the pacing thread) when a stream's tick throws; the stream is removed.</summary>
    public event Action<PacedStreamHandle, Exception>? StreamFaulted;

    /// <summary>Distribution of send-time errors over all streams.</summary>
    public LatencyHistogram Lateness => _lateness;

    /// <summary>Registers a stream; it gets its first tick within one period.</summary>
    public PacedStreamHandle Add(IPacedStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var handle = new PacedStreamHandle(this, stream);
        Interlocked.Increment(ref _load);
        _changes.Enqueue((handle, true));
        return handle;
    }

    /// <summary>Unregisters a stream; it gets no tick after the next run starts.</summary>
    public void Remove(PacedStreamHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (Interlocked.Exchange(ref handle.Removed, 1) == 0)
        {
            Interlocked.Decrement(ref _load);
            _changes.Enqueue((handle, false));
        }
    }

    /// <summary>Fires every slot due at <paramref name="now"/>. Returns the number of ticks delivered.</summary>
    public int RunDue(long now)
    {
        if (!_started)
        {
            _started = true;
            _nextSlotDue = now;
            _nextSlot = 0;
        }

        ApplyChanges();
        var delivered = 0;
        var guard = _slots.Length * 4;
        while (_nextSlotDue <= now && guard-- > 0)
        {
            var slot = _slots[_nextSlot];
            var scheduled = _nextSlotDue;
            if (now - scheduled > _maxCatchUp)
            {
                // Stalled: jump to this slot's latest due time instead of sending the backlog in a burst.
                scheduled += (now - scheduled) / _period * _period;
            }

            for (var i = 0; i < slot.Count; i++)
            {
                var handle = slot[i];
                var missed = handle.NextDue == long.MinValue ? 0 : (int)Math.Max(0, (scheduled - handle.NextDue) / _period);
                var lateness = (now - scheduled) * _secondsPerTick;
                handle.Ticks++;
                handle.MissedFrames += missed;
                handle.TotalLatenessSeconds += lateness;
                if (lateness > handle.MaxLatenessSeconds)
                {
                    handle.MaxLatenessSeconds = lateness;
                }

                handle.NextDue = scheduled + _period;
                _lateness.Record(lateness);
                _metrics?.SendLateness.Record(lateness);
                try
                {
                    handle.Stream.OnTick(new PacingTick(scheduled, now, missed));
                }
#pragma warning disable CA1031 // one faulty stream must not stop the clock for every other call
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Faults++;
                    Remove(handle);
                    StreamFaulted?.Invoke(handle, ex);
                }

                delivered++;
            }

            _nextSlotDue = scheduled + _slotWidth;
            _nextSlot = _nextSlot + 1 == _slots.Length ? 0 : _nextSlot + 1;
        }

        return delivered;
    }

    private void ApplyChanges()
    {
        while (_changes.TryDequeue(out var change))
        {
            var handle = change.Handle;
            if (change.Add)
            {
                if (handle.Slot >= 0)
                {
                    continue;
                }

                var best = 0;
                for (var i = 1; i < _slots.Length; i++)
                {
                    if (_slots[i].Count < _slots[best].Count)
                    {
                        best = i;
                    }
                }

                handle.Slot = best;
                handle.Index = _slots[best].Count;
                handle.NextDue = long.MinValue;
                _slots[best].Add(handle);
                _count++;
            }
            else if (handle.Slot >= 0)
            {
                var slot = _slots[handle.Slot];
                var last = slot[^1];
                slot[handle.Index] = last;
                last.Index = handle.Index;
                slot.RemoveAt(slot.Count - 1);
                handle.Slot = -1;
                handle.Index = -1;
                _count--;
            }
        }
    }
}

/// <summary>
/// A fixed-bucket histogram of latencies (10 us buckets to 100 ms, then overflow), recorded by one thread and read
/// for percentiles; allocation-free on record.
/// </summary>
public sealed class LatencyHistogram
{
    private const double BucketSeconds = 0.00001;
    private readonly long[] _buckets = new long[10_001];
    private long _count;
    private double _max;

    /// <summary>Values recorded.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Largest value recorded, seconds.</summary>
    public double Max => _max;

    /// <summary>Records a value in seconds (negatives count as 0).</summary>
    public void Record(double seconds)
    {
        var bucket = seconds <= 0 ? 0 : (int)Math.Min(_buckets.Length - 1, seconds / BucketSeconds);
        _buckets[bucket]++;
        if (seconds > _max)
        {
            _max = seconds;
        }

        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The upper bound of the bucket holding the <paramref name="quantile"/> (0..1), seconds.</summary>
    public double Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var target = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= target)
            {
                return (i + 1) * BucketSeconds;
            }
        }

        return _max;
    }

    /// <summary>Clears the histogram (between benchmark phases).</summary>
    public void Reset()
    {
        Array.Clear(_buckets);
        _count = 0;
        _max = 0;
    }
}
