using System.Security.Cryptography;
using System.Text;

namespace Acd.Sip.Auth;

/// <summary>What the UAS should do after checking a request's credentials.</summary>
public enum DigestOutcome
{
    /// <summary>Credentials are valid: process the request.</summary>
    Authenticated,

    /// <summary>No usable credentials: answer 401/407 with <see cref="SipDigestAuthenticator.Challenges"/>.</summary>
    Challenge,

    /// <summary>The nonce expired: answer 401/407 with stale=true challenges (the client retries silently).</summary>
    Stale,

    /// <summary>Wrong password, unknown user or replay with our nonce: answer 403 Forbidden.</summary>
    Rejected,

    /// <summary>Source address or user is rate-limited: answer 403 without checking anything.</summary>
    Blocked,
}

/// <summary>The result of <see cref="SipDigestAuthenticator.VerifyAsync"/>.</summary>
/// <param name="Outcome">What to answer.</param>
/// <param name="Username">The authenticated (or claimed) username, if any.</param>
/// <param name="Reason">A short reason token for logs and metrics (never secrets).</param>
public readonly record struct DigestVerification(DigestOutcome Outcome, string? Username, string Reason);

/// <summary>Options of the UAS digest authenticator.</summary>
public sealed record SipDigestOptions
{
    /// <summary>The realm offered in challenges (default "acd").</summary>
    public string Realm { get; init; } = "acd";

    /// <summary>Algorithms offered, most preferred first (RFC 8760: SHA-256 then MD5).</summary>
    public IReadOnlyList<DigestAlgorithm> Algorithms { get; init; } = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];

    /// <summary>How long a nonce stays fresh (default 5 minutes).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Realm) || Realm.Contains('"', StringComparison.Ordinal))
        {
            errors.Add($"{nameof(Realm)}: must be non-empty and contain no quote.");
        }

        if (Algorithms is null || Algorithms.Count == 0)
        {
            errors.Add($"{nameof(Algorithms)}: offer at least one algorithm.");
        }

        if (NonceLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(NonceLifetime)}: must be positive (was {NonceLifetime}).");
        }

        return errors;
    }
}

/// <summary>
/// The UAS side of SIP digest authentication: builds 401/407 challenges (SHA-256 and MD5, qop=auth),
/// checks Authorization values against HA1 credentials in constant time, enforces nonce expiry and
/// nonce-count replay protection, and feeds failures to the rate limiter and the failure metric.
/// </summary>
public sealed class SipDigestAuthenticator
{
    private readonly SipDigestOptions _options;
    private readonly DigestNonceManager _nonces;
    private readonly IDigestCredentialStore _credentials;
    private readonly SipAuthRateLimiter _limiter;
    private readonly SipSignallingMetrics? _metrics;

    /// <summary>Creates the authenticator; throws when the options are invalid.</summary>
    public SipDigestAuthenticator(
        SipDigestOptions options, DigestNonceManager nonces, IDigestCredentialStore credentials,
        SipAuthRateLimiter limiter, SipSignallingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(nonces);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(limiter);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _nonces = nonces;
        _credentials = credentials;
        _limiter = limiter;
        _metrics = metrics;
    }

    /// <summary>The realm challenged for.</summary>
    public string Realm => _options.Realm;

    /// <summary>
    /// WWW-Authenticate (or Proxy-Authenticate) values to send: one per algorithm, most preferred first,
    /// sharing one fresh nonce (a client answers one of them), with qop="auth" and stale=true when <paramref name="stale"/>.
    /// </summary>
    public IReadOnlyList<string> Challenges(bool stale = false)
    {
        var values = new string[_options.Algorithms.Count];
        var nonce = _nonces.Issue(_options.Realm);
        for (var i = 0; i < values.Length; i++)
        {
            var builder = new StringBuilder(160);
            builder.Append("Digest ");
            DigestParameters.AppendQuoted(builder, "realm", _options.Realm);
            builder.Append(", ");
            DigestParameters.AppendQuoted(builder, "nonce", nonce);
            builder.Append(", algorithm=").Append(DigestMath.Token(_options.Algorithms[i]));
            builder.Append(", qop=\"auth\"");
            if (stale)
            {
                builder.Append(", stale=true");
            }

            values[i] = builder.ToString();
        }

        return values;
    }

    /// <summary>
    /// Checks the Authorization (or Proxy-Authorization) values of a request. <paramref name="authorizationValues"/>
    /// may hold several values (one per realm or scheme); the one for our realm with the Digest scheme is used.
    /// </summary>
    public async ValueTask<DigestVerification> VerifyAsync(
        IReadOnlyList<string> authorizationValues, string method, string sourceAddress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizationValues);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(sourceAddress);

        DigestParameters? credentials = null;
        foreach (var value in authorizationValues)
        {
            if (DigestParameters.TryParse(value, out var parsed) && string.Equals(parsed!.Realm, _options.Realm, StringComparison.Ordinal))
            {
                credentials = parsed;
                break;
            }
        }

        var claimed = credentials?.Username;
        if (_limiter.IsBlocked(sourceAddress, claimed))
        {
            _metrics?.AuthBlocked();
            return new DigestVerification(DigestOutcome.Blocked, claimed, "blocked");
        }

        if (credentials is null)
        {
            // No credentials for our realm (first request, or another scheme as in RFC 4475 regaut01).
            return new DigestVerification(DigestOutcome.Challenge, null, "no_credentials");
        }

        if (claimed is null || credentials.Nonce is null || credentials.Uri is null || credentials.Response is null
            || !DigestMath.TryParse(credentials.Algorithm, out var algorithm) || !_options.Algorithms.Contains(algorithm))
        {
            return Fail(sourceAddress, claimed, DigestOutcome.Challenge, "malformed");
        }

        var qop = credentials.Qop;
        if (!string.Equals(qop, "auth", StringComparison.OrdinalIgnoreCase) || credentials.CNonce is null || credentials.NonceCount is null)
        {
            // We always offer qop=auth; RFC 7616 makes it mandatory for the client then (and nc is our replay guard).
            return Fail(sourceAddress, claimed, DigestOutcome.Challenge, "missing_qop");
        }

        // Check the nonce's MAC and age first (no counting yet), then the response, then count the nonce.
        switch (_nonces.Check(credentials.Nonce, _options.Realm, nonceCount: null))
        {
            case NonceCheck.Invalid:
                return Fail(sourceAddress, claimed, DigestOutcome.Challenge, "bad_nonce");
            case NonceCheck.Stale:
                return new DigestVerification(DigestOutcome.Stale, claimed, "stale");
        }

        var credential = await _credentials.FindAsync(claimed, _options.Realm, cancellationToken);
        if (credential is null)
        {
            return Fail(sourceAddress, claimed, DigestOutcome.Rejected, "unknown_user");
        }

        var expected = DigestMath.Response(
            algorithm, credential.Ha1(algorithm), method, credentials.Uri, credentials.Nonce,
            credentials.NonceCount, credentials.CNonce, "auth");
        var given = Encoding.ASCII.GetBytes(credentials.Response.ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return Fail(sourceAddress, claimed, DigestOutcome.Rejected, "bad_response");
        }

        return _nonces.Check(credentials.Nonce, _options.Realm, credentials.NonceCount) switch
        {
            NonceCheck.Valid => new DigestVerification(DigestOutcome.Authenticated, claimed, "ok"),
            NonceCheck.Stale => new DigestVerification(DigestOutcome.Stale, claimed, "stale"),
            NonceCheck.Replay => Fail(sourceAddress, claimed, DigestOutcome.Challenge, "replay"),
            _ => Fail(sourceAddress, claimed, DigestOutcome.Challenge, "bad_nonce_count"),
        };
    }

    private DigestVerification Fail(string source, string? user, DigestOutcome outcome, string reason)
    {
        _metrics?.AuthFailure(reason);
        _limiter.RecordFailure(source, user);
        return new DigestVerification(outcome, user, reason);
    }
}
