using System.Text;
using Acd.Sip.Text;

namespace Acd.Sip.Uri;

/// <summary>
/// A parsed URI: sip/sips (user, password, host including an IPv6 reference, port, parameters, headers),
/// tel (number and parameters), or an opaque URI of another scheme. It holds the URI bytes and offsets into
/// them: parsing from <see cref="ReadOnlyMemory{T}"/> (e.g. a slice of a received message) does not copy;
/// parsing from a span or string copies once. Parts are returned as escaped bytes; unescaping happens only
/// when asked (<see cref="GetUserString"/>, <see cref="SipEscaping"/>).
/// </summary>
public readonly struct SipUri : IEquatable<SipUri>
{
    private readonly ReadOnlyMemory<byte> _text;
    private readonly int _schemeLength;
    private readonly int _userStart, _userLength;
    private readonly int _passwordStart, _passwordLength;
    private readonly int _hostStart, _hostLength;
    private readonly int _paramsStart, _paramsLength;
    private readonly int _headersStart, _headersLength;

    private SipUri(ReadOnlyMemory<byte> text, SipUriScheme scheme, int schemeLength, in Parts p)
    {
        _text = text;
        Scheme = scheme;
        _schemeLength = schemeLength;
        (_userStart, _userLength) = (p.UserStart, p.UserLength);
        (_passwordStart, _passwordLength) = (p.PasswordStart, p.PasswordLength);
        (_hostStart, _hostLength) = (p.HostStart, p.HostLength);
        Port = p.Port;
        (_paramsStart, _paramsLength) = (p.ParamsStart, p.ParamsLength);
        (_headersStart, _headersLength) = (p.HeadersStart, p.HeadersLength);
        HasPassword = p.PasswordStart >= 0;
    }

    /// <summary>The scheme.</summary>
    public SipUriScheme Scheme { get; }

    /// <summary>The whole URI as written.</summary>
    public ReadOnlySpan<byte> Span => _text.Span;

    /// <summary>The whole URI as written.</summary>
    public ReadOnlyMemory<byte> Memory => _text;

    /// <summary>The scheme name as written (without ":").</summary>
    public ReadOnlySpan<byte> SchemeName => _text.Span[.._schemeLength];

    /// <summary>Everything after "scheme:" (for opaque URIs, the whole content).</summary>
    public ReadOnlySpan<byte> SchemeSpecificPart => _text.Span[(_schemeLength + 1)..];

    /// <summary>sip/sips: user part (escaped, may contain ";" as in RFC 4475 semiuri); tel: the number. Empty when absent.</summary>
    public ReadOnlySpan<byte> User => _text.Span.Slice(_userStart, _userLength);

    /// <summary>Whether a ":password" was present in the userinfo.</summary>
    public bool HasPassword { get; }

    /// <summary>The password (escaped); empty when absent.</summary>
    public ReadOnlySpan<byte> Password => HasPassword ? _text.Span.Slice(_passwordStart, _passwordLength) : default;

    /// <summary>The host as written; an IPv6 reference keeps its brackets. Empty for tel/opaque URIs.</summary>
    public ReadOnlySpan<byte> Host => _text.Span.Slice(_hostStart, _hostLength);

    /// <summary>True when <see cref="Host"/> is an IPv6 reference ("[...]").</summary>
    public bool IsIPv6Reference => _hostLength > 0 && _text.Span[_hostStart] == '[';

    /// <summary>The port, or -1 when absent.</summary>
    public int Port { get; }

    /// <summary>The uri-parameters without the leading ";" (escaped).</summary>
    public ReadOnlySpan<byte> Parameters => _text.Span.Slice(_paramsStart, _paramsLength);

    /// <summary>The headers part without the leading "?" (escaped).</summary>
    public ReadOnlySpan<byte> Headers => _text.Span.Slice(_headersStart, _headersLength);

    /// <summary>True for sip: and sips: URIs.</summary>
    public bool IsSip => Scheme is SipUriScheme.Sip or SipUriScheme.Sips;

    /// <summary>Parses without copying; the URI keeps a reference to <paramref name="text"/>.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> text, out SipUri uri)
    {
        uri = default;
        var s = text.Span;
        var colon = SchemeLength(s);
        if (colon <= 0)
        {
            return false;
        }

        var scheme = ClassifyScheme(s[..colon]);
        var p = new Parts();
        var ok = scheme switch
        {
            SipUriScheme.Sip or SipUriScheme.Sips => ParseSip(s, colon + 1, ref p),
            SipUriScheme.Tel => ParseTel(s, colon + 1, ref p),
            _ => ParseOpaque(s, colon + 1, ref p),
        };
        if (!ok)
        {
            return false;
        }

        uri = new SipUri(text, scheme, colon, p);
        return true;
    }

    /// <summary>Parses a copy of <paramref name="text"/> (one allocation).</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out SipUri uri) => TryParse(new ReadOnlyMemory<byte>(text.ToArray()), out uri);

    /// <summary>Parses a UTF-8 encoding of <paramref name="text"/>.</summary>
    public static bool TryParse(string text, out SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(text)), out uri);
    }

    /// <summary>Finds a uri-parameter by name; names compare after unescaping, ASCII case-insensitively ("%6C%72" is "lr").</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var rest = Parameters;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)';');
            var item = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var eq = item.IndexOf((byte)'=');
            var n = eq < 0 ? item : item[..eq];
            if (SipEscaping.EqualsUnescapedIgnoreCase(n, name))
            {
                value = eq < 0 ? default : item[(eq + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether the uri-parameter <paramref name="name"/> is present.</summary>
    public bool HasParameter(ReadOnlySpan<byte> name) => TryGetParameter(name, out _);

    /// <summary>The user part unescaped, as UTF-8 (allocates). "%00" stays a NUL character, never a terminator.</summary>
    public string GetUserString() => SipEscaping.UnescapeToString(User);

    /// <summary>The user part unescaped, as bytes (allocates).</summary>
    public byte[] GetUnescapedUser() => SipEscaping.UnescapeToArray(User);

    /// <summary>The host as a string (allocates).</summary>
    public string GetHostString() => Encoding.ASCII.GetString(Host);

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(_text.Span);

    /// <summary>Byte-wise equality of the written forms (not RFC 3261 section 19.1.4 comparison).</summary>
    public bool Equals(SipUri other) => _text.Span.SequenceEqual(other._text.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SipUri other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_text.Span);
        return h.ToHashCode();
    }

    /// <summary>Equality operator.</summary>
    public static bool operator ==(SipUri left, SipUri right) => left.Equals(right);

    /// <summary>Inequality operator.</summary>
    public static bool operator !=(SipUri left, SipUri right) => !left.Equals(right);

    /// <summary>Length of "scheme" before ":" when it is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); else -1.</summary>
    internal static int SchemeLength(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || !char.IsAsciiLetter((char)s[0]))
        {
            return -1;
        }

        for (var i = 1; i < s.Length; i++)
        {
            if (s[i] == ':')
            {
                return i;
            }

            if (!SipChars.IsSchemeChar(s[i]))
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>Validates a sip/sips URI without building it; reports whether it has a headers part.</summary>
    internal static bool IsValidSip(ReadOnlySpan<byte> s, out bool hasHeaders)
    {
        hasHeaders = false;
        var colon = SchemeLength(s);
        var p = new Parts();
        if (colon <= 0 || !ParseSip(s, colon + 1, ref p))
        {
            return false;
        }

        hasHeaders = p.HeadersStart < s.Length;
        return true;
    }

    internal static SipUriScheme ClassifyScheme(ReadOnlySpan<byte> scheme)
    {
        if (Ascii.EqualsIgnoreCase(scheme, "sip"u8))
        {
            return SipUriScheme.Sip;
        }

        if (Ascii.EqualsIgnoreCase(scheme, "sips"u8))
        {
            return SipUriScheme.Sips;
        }

        return Ascii.EqualsIgnoreCase(scheme, "tel"u8) ? SipUriScheme.Tel : SipUriScheme.Other;
    }

    private static bool AllUriChars(ReadOnlySpan<byte> s) => SipChars.IsAllUriChars(s);

    private static bool ParseOpaque(ReadOnlySpan<byte> s, int start, ref Parts p)
    {
        p.UserStart = p.HostStart = p.ParamsStart = p.HeadersStart = start;
        return start < s.Length && AllUriChars(s[start..]);
    }

    private static bool ParseTel(ReadOnlySpan<byte> s, int start, ref Parts p)
    {
        var rest = s[start..];
        if (rest.IsEmpty || !AllUriChars(rest))
        {
            return false;
        }

        var semi = rest.IndexOf((byte)';');
        p.UserStart = start;
        p.UserLength = semi < 0 ? rest.Length : semi;
        p.HostStart = p.HeadersStart = s.Length;
        p.ParamsStart = semi < 0 ? s.Length : start + semi + 1;
        p.ParamsLength = semi < 0 ? 0 : rest.Length - semi - 1;
        return p.UserLength > 0;
    }

    private static bool ParseSip(ReadOnlySpan<byte> s, int start, ref Parts p)
    {
        var rest = s[start..];
        if (rest.IsEmpty || !AllUriChars(rest))
        {
            return false;
        }

        var pos = start;
        p.UserStart = start;
        var at = rest.IndexOf((byte)'@');
        if (at >= 0)
        {
            var userinfo = rest[..at];
            var colon = userinfo.IndexOf((byte)':');
            p.UserLength = colon < 0 ? at : colon;
            if (colon >= 0)
            {
                p.PasswordStart = start + colon + 1;
                p.PasswordLength = at - colon - 1;
            }

            if (p.UserLength == 0)
            {
                return false;
            }

            pos = start + at + 1;
        }

        // host
        p.HostStart = pos;
        if (pos < s.Length && s[pos] == '[')
        {
            var close = s[pos..].IndexOf((byte)']');
            if (close < 2 || !IsIPv6Literal(s.Slice(pos + 1, close - 1)))
            {
                return false;
            }

            pos += close + 1;
        }
        else
        {
            while (pos < s.Length && IsHostChar(s[pos]))
            {
                pos++;
            }
        }

        p.HostLength = pos - p.HostStart;
        if (p.HostLength == 0)
        {
            return false;
        }

        if (pos < s.Length && s[pos] == ':')
        {
            var portStart = ++pos;
            while (pos < s.Length && char.IsAsciiDigit((char)s[pos]))
            {
                pos++;
            }

            if (!SipNumber.TryParseUInt32(s[portStart..pos], out var port) || port > 65535)
            {
                return false;
            }

            p.Port = (int)port;
        }

        if (pos < s.Length && s[pos] == ';')
        {
            p.ParamsStart = ++pos;
            var q = s[pos..].IndexOf((byte)'?');
            pos = q < 0 ? s.Length : pos + q;
            p.ParamsLength = pos - p.ParamsStart;
            if (!ValidUriParameters(s.Slice(p.ParamsStart, p.ParamsLength)))
            {
                return false;
            }
        }
        else
        {
            p.ParamsStart = pos;
        }

        if (pos < s.Length && s[pos] == '?')
        {
            p.HeadersStart = ++pos;
            p.HeadersLength = s.Length - pos;
            pos = s.Length;
        }
        else
        {
            p.HeadersStart = pos;
        }

        return pos == s.Length;
    }

    private static bool ValidUriParameters(ReadOnlySpan<byte> s)
    {
        // ";;" or a trailing ";" leaves an empty parameter name.
        while (true)
        {
            var end = s.IndexOf((byte)';');
            var item = end < 0 ? s : s[..end];
            if (item.IsEmpty || item[0] == '=')
            {
                return false;
            }

            if (end < 0)
            {
                return true;
            }

            s = s[(end + 1)..];
        }
    }

    private static bool IsHostChar(byte b) => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_';

    /// <summary>
    /// Hex digits, ":" and "." with at least two colons. Tolerates RFC 5118 section 4.10's "2001:db8:::192.0.2.1"
    /// (three colons) as RFC 5118 asks implementations to.
    /// </summary>
    internal static bool IsIPv6Literal(ReadOnlySpan<byte> inner)
    {
        var colons = 0;
        foreach (var b in inner)
        {
            if (b == ':')
            {
                colons++;
            }
            else if (!SipChars.IsHex(b) && b != '.')
            {
                return false;
            }
        }

        return colons >= 2 && inner.Length <= 45;
    }

    private struct Parts
    {
        public int UserStart, UserLength, PasswordStart, PasswordLength, HostStart, HostLength;
        public int ParamsStart, ParamsLength, HeadersStart, HeadersLength;
        public int Port;

        public Parts()
        {
            PasswordStart = -1;
            Port = -1;
        }
    }
}
