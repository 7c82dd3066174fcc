using System.Globalization;
using Acd.Routing;

namespace Acd.Dialer.Trunks;

/// <summary>An outbound SIP gateway: where to send INVITEs, how to authenticate (UAC digest on 401/407), and its limits.</summary>
public sealed record TrunkConfig
{
    public required string Name { get; init; }

    /// <summary>Gateway host (name or address).</summary>
    public required string Host { get; init; }

    public int Port { get; init; } = 5060;

    public string Transport { get; init; } = "udp";

    /// <summary>Digest user name for 401/407 challenges; null when the gateway trusts our address.</summary>
    public string? Username { get; init; }

    /// <summary>Digest HA1 (hex MD5/SHA-256 of user:realm:password), never the clear password.</summary>
    public string? PasswordHa1 { get; init; }

    public string? Realm { get; init; }

    /// <summary>Concurrent calls the gateway allows.</summary>
    public int MaxChannels { get; init; } = 30;

    /// <summary>New calls per second the gateway allows.</summary>
    public double MaxCallsPerSecond { get; init; } = 10;

    /// <summary>Lower first; trunks of equal priority share load.</summary>
    public int Priority { get; init; }

    /// <summary>After this many failures in a row the trunk is skipped for <see cref="FailoverCooldown"/>.</summary>
    public int FailuresBeforeFailover { get; init; } = 3;

    public TimeSpan FailoverCooldown { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<ConfigError> Validate(string location)
    {
        var errors = new List<ConfigError>();
        void Add(string field, string message) => errors.Add(new ConfigError($"{location}.{field}", Name ?? "", message));
        if (string.IsNullOrWhiteSpace(Name))
        {
            Add("name", "is required");
        }

        if (string.IsNullOrWhiteSpace(Host) || Uri.CheckHostName(Host) == UriHostNameType.Unknown)
        {
            Add("host", "must be a host name or address");
        }

        if (Port is < 1 or > 65535)
        {
            Add("port", "must be in [1, 65535]");
        }

        if (Transport is not ("udp" or "tcp" or "tls"))
        {
            Add("transport", "must be udp, tcp or tls");
        }

        if ((Username is null) != (PasswordHa1 is null))
        {
            Add("username", "username and passwordHa1 go together");
        }

        if (PasswordHa1 is { } ha1 && (ha1.Length is not (32 or 64) || !ha1.All(char.IsAsciiHexDigit)))
        {
            Add("passwordHa1", "must be a 32 (MD5) or 64 (SHA-256) hex digit HA1");
        }

        if (MaxChannels is < 1 or > 100_000)
        {
            Add("maxChannels", "must be in [1, 100000]");
        }

        if (!(MaxCallsPerSecond > 0 && MaxCallsPerSecond <= 10_000))
        {
            Add("maxCallsPerSecond", string.Create(CultureInfo.InvariantCulture, $"must be in (0, 10000], was {MaxCallsPerSecond}"));
        }

        if (FailuresBeforeFailover < 1)
        {
            Add("failuresBeforeFailover", "must be at least 1");
        }

        if (FailoverCooldown < TimeSpan.Zero)
        {
            Add("failoverCooldown", "must not be negative");
        }

        return errors;
    }
}

/// <summary>Why a trunk could not take a call now.</summary>
public enum TrunkRefusal
{
    None,
    NoChannel,
    RateLimited,
    Down,
}

/// <summary>
/// Channel and calls-per-second limits of one trunk on a <see cref="TimeProvider"/> (token bucket, burst of one
/// second), plus its failover health. Thread-safe.
/// </summary>
public sealed class TrunkLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _lastRefill;
    private int _failuresInRow;
    private DateTimeOffset _downUntil = DateTimeOffset.MinValue;

    public TrunkLimiter(TrunkConfig config, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _time = time;
        _tokens = Math.Max(1, config.MaxCallsPerSecond);
        _lastRefill = time.GetTimestamp();
    }

    public TrunkConfig Config { get; }

    public int ChannelsInUse { get; private set; }

    public bool IsDown => _time.GetUtcNow() < _downUntil;

    /// <summary>Takes a channel and a CPS token, or says why not.</summary>
    public TrunkRefusal TryAcquire()
    {
        lock (_lock)
        {
            if (_time.GetUtcNow() < _downUntil)
            {
                return TrunkRefusal.Down;
            }

            if (ChannelsInUse >= Config.MaxChannels)
            {
                return TrunkRefusal.NoChannel;
            }

            var now = _time.GetTimestamp();
            var burst = Math.Max(1, Config.MaxCallsPerSecond);
            _tokens = Math.Min(burst, _tokens + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * Config.MaxCallsPerSecond));
            _lastRefill = now;
            if (_tokens < 1)
            {
                return TrunkRefusal.RateLimited;
            }

            _tokens -= 1;
            ChannelsInUse++;
            return TrunkRefusal.None;
        }
    }

    /// <summary>The call on this trunk ended; <paramref name="trunkFailure"/> when the gateway failed it (5xx, timeout, auth failure).</summary>
    public void Release(bool trunkFailure)
    {
        lock (_lock)
        {
            ChannelsInUse = Math.Max(0, ChannelsInUse - 1);
            if (!trunkFailure)
            {
                _failuresInRow = 0;
                return;
            }

            if (++_failuresInRow >= Config.FailuresBeforeFailover)
            {
                _downUntil = _time.GetUtcNow() + Config.FailoverCooldown;
                _failuresInRow = 0;
            }
        }
    }
}

/// <summary>Picks the trunk for the next call: lowest priority number first, least busy among equals, skipping full, rate-limited and failed-over trunks.</summary>
public sealed class TrunkSelector
{
    private readonly Dictionary<string, TrunkLimiter> _trunks;

    public TrunkSelector(IEnumerable<TrunkConfig> trunks, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(trunks);
        _trunks = trunks.ToDictionary(t => t.Name, t => new TrunkLimiter(t, time), StringComparer.Ordinal);
    }

    public TrunkLimiter? Get(string name) => _trunks.GetValueOrDefault(name);

    /// <summary>Free channels over the campaign's usable trunks.</summary>
    public int FreeChannels(IReadOnlyList<string> names) =>
        names.Select(Get).Where(t => t is { IsDown: false }).Sum(t => t!.Config.MaxChannels - t.ChannelsInUse);

    /// <summary>Acquires a channel on the best trunk of <paramref name="names"/>; null with the last refusal when none can take a call.</summary>
    public TrunkLimiter? Acquire(IReadOnlyList<string> names, out TrunkRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(names);
        refusal = TrunkRefusal.Down;
        var ordered = names.Select(Get).OfType<TrunkLimiter>()
            .OrderBy(t => t.Config.Priority)
            .ThenBy(t => (double)t.ChannelsInUse / t.Config.MaxChannels);
        foreach (var trunk in ordered)
        {
            var r = trunk.TryAcquire();
            if (r == TrunkRefusal.None)
            {
                return trunk;
            }

            refusal = r;
        }

        return null;
    }
}
