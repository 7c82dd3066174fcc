using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Acd.Sip.Auth;

/// <summary>
/// The UAC side of digest authentication (outbound trunks, test clients): answers a 401/407 challenge.
/// Picks the strongest offered algorithm it supports (SHA-256 over MD5), uses qop=auth when offered and
/// counts nonce uses. The password is kept (the realm is known only from the challenge) but never
/// logged or shown by <see cref="ToString"/>. Not thread-safe: one per registration/dialog.
/// </summary>
public sealed class SipDigestClient
{
    private readonly string _username;
    private readonly string _password;
    private string? _lastNonce;
    private uint _nonceCount;

    /// <summary>Creates a client for one account.</summary>
    public SipDigestClient(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        _username = username;
        _password = password;
    }

    /// <summary>
    /// Builds the Authorization (or Proxy-Authorization) value answering the best of
    /// <paramref name="challenges"/> (WWW-Authenticate / Proxy-Authenticate values). False when none is
    /// a Digest challenge with an algorithm and qop we support.
    /// </summary>
    public bool TryAnswer(IEnumerable<string> challenges, string method, string requestUri, out string authorization)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        authorization = string.Empty;
        DigestParameters? best = null;
        var bestAlgorithm = DigestAlgorithm.Md5;
        foreach (var value in challenges)
        {
            if (!DigestParameters.TryParse(value, out var challenge) || challenge!.Nonce is null || challenge.Realm is null
                || !DigestMath.TryParse(challenge.Algorithm, out var algorithm))
            {
                continue;
            }

            if (challenge.Qop is not null && !HasAuthQop(challenge.Qop))
            {
                continue;
            }

            if (best is null || algorithm > bestAlgorithm)
            {
                best = challenge;
                bestAlgorithm = algorithm;
            }
        }

        if (best is null)
        {
            return false;
        }

        var nonce = best.Nonce!;
        if (!string.Equals(nonce, _lastNonce, StringComparison.Ordinal))
        {
            _lastNonce = nonce;
            _nonceCount = 0;
        }

        var useQop = best.Qop is not null;
        string? nc = null;
        string? cnonce = null;
        if (useQop)
        {
            nc = (++_nonceCount).ToString("x8", CultureInfo.InvariantCulture);
            cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        }

        var ha1 = DigestMath.Ha1(bestAlgorithm, _username, best.Realm!, _password);
        var response = DigestMath.Response(bestAlgorithm, ha1, method, requestUri, nonce, nc, cnonce, useQop ? "auth" : null);
        CryptographicOperations.ZeroMemory(ha1);

        var builder = new StringBuilder(256);
        builder.Append("Digest ");
        DigestParameters.AppendQuoted(builder, "username", _username);
        builder.Append(", ");
        DigestParameters.AppendQuoted(builder, "realm", best.Realm!);
        builder.Append(", ");
        DigestParameters.AppendQuoted(builder, "nonce", nonce);
        builder.Append(", ");
        DigestParameters.AppendQuoted(builder, "uri", requestUri);
        builder.Append(", ");
        DigestParameters.AppendQuoted(builder, "response", Encoding.ASCII.GetString(response));
        builder.Append(", algorithm=").Append(DigestMath.Token(bestAlgorithm));
        if (useQop)
        {
            builder.Append(", qop=auth, nc=").Append(nc).Append(", ");
            DigestParameters.AppendQuoted(builder, "cnonce", cnonce!);
        }

        if (best.Opaque is not null)
        {
            builder.Append(", ");
            DigestParameters.AppendQuoted(builder, "opaque", best.Opaque);
        }

        authorization = builder.ToString();
        return true;
    }

    private static bool HasAuthQop(string qopList)
    {
        foreach (var range in qopList.AsSpan().Split(','))
        {
            if (qopList.AsSpan()[range].Trim().Equals("auth", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"SipDigestClient({_username}, password redacted)";
}
