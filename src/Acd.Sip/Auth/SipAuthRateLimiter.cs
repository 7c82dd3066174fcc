namespace Acd.Sip.Auth;

/// <summary>Limits on failed authentications before a source address or user is blocked.</summary>
public sealed record SipAuthRateLimitOptions
{
    /// <summary>Failures allowed per source address within <see cref="Window"/> (default 20).</summary>
    public int MaxFailuresPerAddress { get; init; } = 20;

    /// <summary>Failures allowed per username within <see cref="Window"/> (default 10).</summary>
    public int MaxFailuresPerUser { get; init; } = 10;

    /// <summary>The counting window (default 60 s).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a key stays blocked once over its limit (default 300 s).</summary>
    public TimeSpan BlockDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most keys tracked at once; beyond this the oldest entries are dropped (default 100,000).</summary>
    public int MaxTrackedKeys { get; init; } = 100_000;

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxFailuresPerAddress < 1)
        {
            errors.Add($"{nameof(MaxFailuresPerAddress)}: must be at least 1 (was {MaxFailuresPerAddress}).");
        }

        if (MaxFailuresPerUser < 1)
        {
            errors.Add($"{nameof(MaxFailuresPerUser)}: must be at least 1 (was {MaxFailuresPerUser}).");
        }

        if (Window <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(Window)}: must be positive (was {Window}).");
        }

        if (BlockDuration <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(BlockDuration)}: must be positive (was {BlockDuration}).");
        }

        if (MaxTrackedKeys < 16)
        {
            errors.Add($"{nameof(MaxTrackedKeys)}: must be at least 16 (was {MaxTrackedKeys}).");
        }

        return errors;
    }
}

/// <summary>
/// Counts failed authentications per source address and per username in fixed windows and blocks a key
/// that exceeds its limit for a while (SIPVicious-style guessing floods). Thread-safe; time from TimeProvider.
/// </summary>
public sealed class SipAuthRateLimiter
{
    private readonly SipAuthRateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a limiter; throws when the options are invalid.</summary>
    public SipAuthRateLimiter(SipAuthRateLimitOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = time;
    }

    /// <summary>True when requests from this address or for this user are currently refused.</summary>
    public bool IsBlocked(string sourceAddress, string? username)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            return IsBlocked("a:" + sourceAddress, now) || (username is not null && IsBlocked("u:" + username, now));
        }
    }

    /// <summary>Records a failure; returns true when this failure made the address or user blocked.</summary>
    public bool RecordFailure(string sourceAddress, string? username)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            var blocked = Count("a:" + sourceAddress, _options.MaxFailuresPerAddress, now);
            if (username is not null)
            {
                blocked |= Count("u:" + username, _options.MaxFailuresPerUser, now);
            }

            return blocked;
        }
    }

    private bool IsBlocked(string key, long now)
        => _entries.TryGetValue(key, out var entry) && entry.BlockedUntil > now;

    private bool Count(string key, int limit, long now)
    {
        if (!_entries.TryGetValue(key, out var entry) || Elapsed(entry.WindowStart, now) >= _options.Window)
        {
            if (_entries.Count >= _options.MaxTrackedKeys)
            {
                Evict(now);
            }

            entry = new Entry { WindowStart = now, BlockedUntil = entry?.BlockedUntil ?? 0 };
            _entries[key] = entry;
        }

        entry.Failures++;
        if (entry.Failures > limit && entry.BlockedUntil <= now)
        {
            entry.BlockedUntil = now + (long)(_options.BlockDuration.TotalSeconds * _time.TimestampFrequency);
            return true;
        }

        return false;
    }

    private void Evict(long now)
    {
        var stale = _entries.Where(e => Elapsed(e.Value.WindowStart, now) >= _options.Window && e.Value.BlockedUntil <= now)
            .Select(e => e.Key).ToList();
        if (stale.Count == 0)
        {
            stale = _entries.OrderBy(e => e.Value.WindowStart).Take(_entries.Count / 2).Select(e => e.Key).ToList();
        }

        foreach (var key in stale)
        {
            _entries.Remove(key);
        }
    }

    private TimeSpan Elapsed(long from, long to) => _time.GetElapsedTime(from, to);

    private sealed class Entry
    {
        public long WindowStart;
        public int Failures;
        public long BlockedUntil;
    }
}
