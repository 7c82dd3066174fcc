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

    /// <summary>
    /// Digest password (a secret: the realm is known only from the gateway's challenge, so the clear password is kept).
    /// Never logged, never in records, and left out of <see cref="ToString"/>.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>How the caller ID is written in From / P-Asserted-Identity: <c>e164</c> (+15551234567) or <c>digits</c> (15551234567).</summary>
    public string CallerIdFormat { get; init; } = "e164";

    /// <summary>Host part of the From and P-Asserted-Identity URIs; null: the gateway's host.</summary>
    public string? FromHost { get; init; }

    /// <summary>Prefix put before the dialed number in the Request-URI (some gateways want a tech prefix).</summary>
    public string DialPrefix { get; init; } = string.Empty;

    /// <summary>Sends REGISTER to the gateway (with <see cref="Username"/>/<see cref="Password"/>) and refreshes it.</summary>
    public bool Register { get; init; }

    /// <summary>The registration's requested expiry; refreshed at half of what the gateway grants.</summary>
    public TimeSpan RegisterExpiry { get; init; } = TimeSpan.FromMinutes(10);

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

        if ((Username is null) != (Password is null))
        {
            Add("username", "username and password go together");
        }

        if (Password is { Length: 0 })
        {
            Add("password", "must not be empty");
        }

        if (CallerIdFormat is not ("e164" or "digits"))
        {
            Add("callerIdFormat", "must be e164 or digits");
        }

        if (FromHost is { } fromHost && Uri.CheckHostName(fromHost) == UriHostNameType.Unknown)
        {
            Add("fromHost", "must be a host name or address");
        }

        if (!DialPrefix.All(c => char.IsAsciiDigit(c) || c is '*' or '#'))
        {
            Add("dialPrefix", "digits, * and # only");
        }

        if (Register && Username is null)
        {
            Add("register", "registration needs username and password");
        }

        if (RegisterExpiry < TimeSpan.FromSeconds(60) || RegisterExpiry > TimeSpan.FromDays(1))
        {
            Add("registerExpiry", "must be between 60 s and 1 day");
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

    /// <summary>The caller ID as this trunk presents it.</summary>
    public string FormatCallerId(string e164) => CallerIdFormat == "digits" ? e164.TrimStart('+') : e164;

    /// <summary>Everything but the password (records print their members; a secret must never reach a log).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Name = {Name}, Host = {Host}, Port = {Port}, Transport = {Transport}, Username = {Username}, ");
        builder.Append(CultureInfo.InvariantCulture, $"Password = {(Password is null ? "(none)" : "(redacted)")}, MaxChannels = {MaxChannels}, MaxCallsPerSecond = {MaxCallsPerSecond}, Priority = {Priority}");
        return true;
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

    /// <summary>The configured trunks.</summary>
    public IReadOnlyCollection<TrunkLimiter> All => _trunks.Values;

    /// <summary>Acquires a channel on the best trunk of <paramref name="names"/>; null with the last refusal when none can take a call.</summary>
    public TrunkLimiter? Acquire(IReadOnlyList<string> names, out TrunkRefusal refusal) => Acquire(names, null, out refusal);

    /// <summary>A channel on the best trunk of <paramref name="names"/> as a lease that can fail over to the others.</summary>
    public TrunkLease? Lease(IReadOnlyList<string> names, out TrunkRefusal refusal) =>
        Acquire(names, null, out refusal) is { } trunk ? new TrunkLease(this, names, trunk) : null;

    internal TrunkLimiter? Acquire(IReadOnlyList<string> names, ISet<string>? except, out TrunkRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(names);
        refusal = TrunkRefusal.Down;
        var ordered = names.Select(Get).OfType<TrunkLimiter>()
            .Where(t => except is null || !except.Contains(t.Config.Name))
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

/// <summary>
/// One call's channel on a trunk. <see cref="TryFailOver"/> gives the channel back as a trunk failure (503, timeout,
/// auth rejected) and takes one on the next usable trunk of the list that this call has not tried yet;
/// <see cref="Release"/> ends the lease once. Used by one call at a time.
/// </summary>
public sealed class TrunkLease
{
    private readonly TrunkSelector _selector;
    private readonly IReadOnlyList<string> _names;
    private readonly HashSet<string> _tried = new(StringComparer.Ordinal);
    private TrunkLimiter? _current;

    internal TrunkLease(TrunkSelector selector, IReadOnlyList<string> names, TrunkLimiter trunk)
    {
        _selector = selector;
        _names = names;
        _current = trunk;
        _last = trunk.Config;
        _tried.Add(trunk.Config.Name);
    }

    private TrunkConfig _last;

    /// <summary>The trunk the call is on now (the last one tried once released).</summary>
    public TrunkConfig Current => _current?.Config ?? _last;

    public string Name => Current.Name;

    /// <summary>Trunks tried by this call, in order.</summary>
    public IReadOnlyCollection<string> Tried => _tried;

    /// <summary>The current trunk failed the call: next trunk, or false (the lease is then released).</summary>
    public bool TryFailOver(out TrunkRefusal refusal)
    {
        var failed = _current;
        if (failed is null)
        {
            refusal = TrunkRefusal.Down;
            return false;
        }

        _current = null;
        failed.Release(trunkFailure: true);
        var next = _selector.Acquire(_names, _tried, out refusal);
        if (next is null)
        {
            return false;
        }

        _tried.Add(next.Config.Name);
        _current = next;
        _last = next.Config;
        return true;
    }

    /// <summary>The call ended; <paramref name="trunkFailure"/> when the trunk failed it.</summary>
    public void Release(bool trunkFailure)
    {
        var current = _current;
        _current = null;
        if (current is not null)
        {
            current.Release(trunkFailure);
        }
    }
}
