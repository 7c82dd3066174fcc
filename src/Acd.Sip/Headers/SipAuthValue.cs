using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>
/// WWW-Authenticate, Proxy-Authenticate, Authorization, Proxy-Authorization: <c>scheme LWS auth-param *(COMMA auth-param)</c>.
/// Unknown schemes parse too (RFC 4475 regaut01); their parameters are read the same way.
/// </summary>
public readonly ref struct SipAuthValue
{
    private SipAuthValue(ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> parameters)
    {
        Scheme = scheme;
        Parameters = parameters;
    }

    /// <summary>The scheme token (e.g. "Digest").</summary>
    public ReadOnlySpan<byte> Scheme { get; }

    /// <summary>The comma-separated auth-params as written.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>True when the scheme is Digest (case-insensitive).</summary>
    public bool IsDigest => System.Text.Ascii.EqualsIgnoreCase(Scheme, "Digest"u8);

    /// <summary>Parses the scheme and keeps the parameters for lookup.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipAuthValue result)
    {
        result = default;
        var s = SipChars.TrimLws(value);
        var n = 0;
        while (n < s.Length && SipChars.IsToken(s[n]))
        {
            n++;
        }

        if (n == 0 || (n < s.Length && !SipChars.IsLws(s[n])))
        {
            return false;
        }

        result = new SipAuthValue(s[..n], SipChars.TrimStartLws(s[n..]));
        return true;
    }

    /// <summary>
    /// Finds an auth-param by name (ASCII case-insensitive). The value is returned without its quotes;
    /// quoted-pairs stay escaped (use <see cref="SipQuotedString.Unquote"/> on <paramref name="raw"/> to resolve them).
    /// </summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> raw)
    {
        foreach (var item in new SipValueListEnumerator(Parameters))
        {
            var eq = item.IndexOf((byte)'=');
            if (eq <= 0)
            {
                continue;
            }

            if (System.Text.Ascii.EqualsIgnoreCase(SipChars.TrimEndLws(item[..eq]), name))
            {
                raw = SipChars.TrimStartLws(item[(eq + 1)..]);
                value = raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1] : raw;
                return true;
            }
        }

        value = raw = default;
        return false;
    }

    /// <summary>Finds an auth-param by name; the value is without quotes.</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => TryGetParameter(name, out value, out _);
}
