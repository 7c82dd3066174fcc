namespace Acd.Ivr.Simulation;

/// <summary>
/// A clock that only moves when told: the simulator jumps it to the next due timer, so a script with 5-second
/// timeouts simulates in microseconds. Thread-safe; timer callbacks run on the caller of the Advance methods.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly HashSet<VirtualTimer> _timers = [];
    private DateTimeOffset _now;

    public VirtualTimeProvider(DateTimeOffset start)
    {
        _now = start;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock to the earliest due timer and fires it. False when no timer is armed.</summary>
    public bool AdvanceToNextTimer()
    {
        VirtualTimer? next;
        lock (_lock)
        {
            next = null;
            foreach (var timer in _timers)
            {
                if (next is null || timer.Due < next.Due)
                {
                    next = timer;
                }
            }

            if (next is null)
            {
                return false;
            }

            if (next.Due > _now)
            {
                _now = next.Due;
            }

            next.Rearm(_timers);
        }

        next.Callback(next.State);
        return true;
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + delta;
        }

        while (true)
        {
            VirtualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.Due <= target && (next is null || timer.Due < next.Due))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due > _now ? next.Due : _now;
                next.Rearm(_timers);
            }

            next.Callback(next.State);
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                _period = period;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    Due = owner._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                    owner._timers.Add(this);
                }
            }

            return true;
        }

        /// <summary>Called under the owner's lock when the timer fires.</summary>
        public void Rearm(HashSet<VirtualTimer> timers)
        {
            timers.Remove(this);
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                Due += _period;
                timers.Add(this);
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
