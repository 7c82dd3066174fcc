using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Acd.Sip.Auth;

/// <summary>Outcome of checking a nonce and its nonce-count.</summary>
public enum NonceCheck
{
    /// <summary>Nonce issued by us, fresh, nonce-count new.</summary>
    Valid,

    /// <summary>Nonce issued by us but expired: challenge again with stale=true.</summary>
    Stale,

    /// <summary>Not a nonce we issued (forged, truncated, other realm or other server key).</summary>
    Invalid,

    /// <summary>nonce-count not greater than one already accepted: a replay.</summary>
    Replay,
}

/// <summary>
/// Issues stateless nonces (issue time + random + HMAC-SHA-256 over both and the realm) and tracks the
/// highest nonce-count accepted per nonce, so a captured request cannot be replayed. Any node holding
/// the same key validates any node's nonces; nonce-count tracking is per node. Thread-safe.
/// </summary>
public sealed class DigestNonceManager
{
    private const int TimeBytes = 8;
    private const int RandomBytes = 8;
    private const int MacBytes = 16;
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _maxTracked;
    private readonly Dictionary<string, (uint Count, long IssuedTicks)> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a nonce manager.</summary>
    /// <param name="key">HMAC key, at least 16 bytes (random per deployment; share it across nodes).</param>
    /// <param name="lifetime">How long a nonce is fresh; after that it is stale.</param>
    /// <param name="time">Clock.</param>
    /// <param name="maxTrackedNonces">Upper bound on nonce-count entries kept; oldest are dropped first.</param>
    public DigestNonceManager(byte[] key, TimeSpan lifetime, TimeProvider time, int maxTrackedNonces = 100_000)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(time);
        if (key.Length < 16)
        {
            throw new ArgumentException("The nonce key must be at least 16 bytes.", nameof(key));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrackedNonces, 16);
        _key = (byte[])key.Clone();
        _lifetime = lifetime;
        _time = time;
        _maxTracked = maxTrackedNonces;
    }

    /// <summary>How long a nonce stays fresh.</summary>
    public TimeSpan Lifetime => _lifetime;

    /// <summary>Issues a new nonce for <paramref name="realm"/> (base64url, 44 characters).</summary>
    public string Issue(string realm)
    {
        Span<byte> raw = stackalloc byte[TimeBytes + RandomBytes + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(raw, _time.GetUtcNow().UtcTicks);
        RandomNumberGenerator.Fill(raw.Slice(TimeBytes, RandomBytes));
        Mac(raw[..(TimeBytes + RandomBytes)], realm, raw[(TimeBytes + RandomBytes)..]);
        return Convert.ToBase64String(raw).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Checks a nonce and nonce-count (8 hex digits; null when the client sent no qop).</summary>
    public NonceCheck Check(string nonce, string realm, string? nonceCount)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        Span<byte> raw = stackalloc byte[TimeBytes + RandomBytes + MacBytes];
        if (nonce.Length != 44
            || !Convert.TryFromBase64String(nonce.Replace('-', '+').Replace('_', '/'), raw, out var written)
            || written != raw.Length)
        {
            return NonceCheck.Invalid;
        }

        Span<byte> mac = stackalloc byte[MacBytes];
        Mac(raw[..(TimeBytes + RandomBytes)], realm, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, raw[(TimeBytes + RandomBytes)..]))
        {
            return NonceCheck.Invalid;
        }

        var issued = BinaryPrimitives.ReadInt64BigEndian(raw);
        var now = _time.GetUtcNow().UtcTicks;
        if (issued > now + TimeSpan.TicksPerMinute || now - issued > _lifetime.Ticks)
        {
            return NonceCheck.Stale;
        }

        if (nonceCount is null)
        {
            return NonceCheck.Valid;
        }

        if (nonceCount.Length != 8 || !uint.TryParse(nonceCount, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var count) || count == 0)
        {
            return NonceCheck.Invalid;
        }

        lock (_gate)
        {
            if (_counts.TryGetValue(nonce, out var seen) && count <= seen.Count)
            {
                return NonceCheck.Replay;
            }

            if (_counts.Count >= _maxTracked)
            {
                Purge(now);
            }

            _counts[nonce] = (count, issued);
        }

        return NonceCheck.Valid;
    }

    /// <summary>Number of nonces whose nonce-count is tracked (for tests and metrics).</summary>
    public int TrackedCount
    {
        get
        {
            lock (_gate)
            {
                return _counts.Count;
            }
        }
    }

    private void Purge(long now)
    {
        List<string>? expired = null;
        foreach (var (nonce, entry) in _counts)
        {
            if (now - entry.IssuedTicks > _lifetime.Ticks)
            {
                (expired ??= []).Add(nonce);
            }
        }

        if (expired is null)
        {
            // Every tracked nonce is fresh: drop the oldest half (they fall back to a fresh challenge).
            var ordered = _counts.OrderBy(e => e.Value.IssuedTicks).Take(_counts.Count / 2).Select(e => e.Key).ToList();
            expired = ordered;
        }

        foreach (var nonce in expired)
        {
            _counts.Remove(nonce);
        }
    }

    private void Mac(ReadOnlySpan<byte> data, string realm, Span<byte> destination)
    {
        var realmBytes = Encoding.UTF8.GetBytes(realm);
        var input = new byte[data.Length + realmBytes.Length];
        data.CopyTo(input);
        realmBytes.CopyTo(input.AsSpan(data.Length));
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, full);
        full[..destination.Length].CopyTo(destination);
    }
}
