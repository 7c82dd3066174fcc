using Acd.Sip.Text;
using Acd.Sip.Uri;

namespace Acd.Sip.Headers;

/// <summary>
/// A From, To, Contact, Route, Record-Route, Refer-To, Reply-To... element: <c>[display-name] &lt;URI&gt; *(;param)</c>
/// or <c>addr-spec *(;param)</c> (where parameters after an unbracketed URI belong to the header, RFC 3261
/// section 20.10), or the Contact wildcard "*". All parts are spans over the parsed value.
/// </summary>
public readonly ref struct SipNameAddr
{
    private SipNameAddr(ReadOnlySpan<byte> displayName, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> parameters, bool bracketed, bool wildcard)
    {
        DisplayName = displayName;
        Uri = uri;
        Parameters = parameters;
        HasAngleBrackets = bracketed;
        IsWildcard = wildcard;
    }

    /// <summary>The display name as written (a quoted one keeps its quotes); empty when absent.</summary>
    public ReadOnlySpan<byte> DisplayName { get; }

    /// <summary>The URI as written, without angle brackets.</summary>
    public ReadOnlySpan<byte> Uri { get; }

    /// <summary>The header parameters (starting with ";"), possibly with LWS.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>True when the URI was enclosed in &lt;&gt;.</summary>
    public bool HasAngleBrackets { get; }

    /// <summary>True for the Contact value "*".</summary>
    public bool IsWildcard { get; }

    /// <summary>The tag parameter value (empty when absent).</summary>
    public ReadOnlySpan<byte> Tag => TryGetParameter("tag"u8, out var v) ? v : default;

    /// <summary>True when a tag parameter is present.</summary>
    public bool HasTag => TryGetParameter("tag"u8, out _);

    /// <summary>Finds a header parameter by name (ASCII case-insensitive); the value is raw.</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        SipParameterEnumerator.TryFind(Parameters, name, out value, out _);

    /// <summary>The display name unquoted and unescaped (allocates); empty when absent.</summary>
    public string GetDisplayNameString() => DisplayName.IsEmpty ? string.Empty : SipQuotedString.Unquote(DisplayName);

    /// <summary>Contact "expires" parameter; overlarge values saturate at uint.MaxValue.</summary>
    public bool TryGetExpires(out uint seconds)
    {
        seconds = 0;
        return TryGetParameter("expires"u8, out var v) && SipNumber.TryParseSaturated(v, out seconds);
    }

    /// <summary>Contact "q" parameter in thousandths (q=0.5 is 500); false when absent or malformed.</summary>
    public bool TryGetQ(out int thousandths)
    {
        thousandths = 0;
        if (!TryGetParameter("q"u8, out var v) || v.IsEmpty || v[0] is not ((byte)'0' or (byte)'1'))
        {
            return false;
        }

        var value = (v[0] - '0') * 1000;
        if (v.Length > 1)
        {
            if (v[1] != '.' || v.Length > 5)
            {
                return false;
            }

            var scale = 100;
            for (var i = 2; i < v.Length; i++, scale /= 10)
            {
                if (!char.IsAsciiDigit((char)v[i]))
                {
                    return false;
                }

                value += (v[i] - '0') * scale;
            }
        }

        thousandths = value;
        return value <= 1000;
    }

    /// <summary>Parses the URI (allocates a copy; see <see cref="SipMessage.TryGetUri"/> for a zero-copy form).</summary>
    public bool TryParseUri(out SipUri uri) => SipUri.TryParse(Uri, out uri);

    /// <summary>
    /// Parses one element. Rejects (false): an unterminated quoted display name, a non-token display name,
    /// LWS inside &lt;&gt;, a URI without a scheme, an unbracketed URI with "?" or ",", malformed parameters.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipNameAddr result)
    {
        result = default;
        var s = SipChars.TrimLws(value);
        if (s.IsEmpty)
        {
            return false;
        }

        if (s.Length == 1 && s[0] == '*')
        {
            result = new SipNameAddr(default, s, default, false, true);
            return true;
        }

        ReadOnlySpan<byte> display = default;
        int open;
        if (s[0] == '"')
        {
            var q = SipChars.QuotedLength(s);
            if (q < 0)
            {
                return false;
            }

            display = s[..q];
            var after = SipChars.TrimStartLws(s[q..]);
            if (after.IsEmpty || after[0] != '<')
            {
                return false;
            }

            open = s.Length - after.Length;
        }
        else
        {
            // A token display name (tokens and LWS) runs to '<'; anything else means an addr-spec.
            var i = 0;
            while (i < s.Length && (SipChars.IsToken(s[i]) || SipChars.IsLws(s[i])))
            {
                i++;
            }

            open = i < s.Length && s[i] == '<' ? i : -1;
            if (open > 0)
            {
                display = SipChars.TrimEndLws(s[..open]);
            }
        }

        if (open >= 0)
        {
            var close = s[open..].IndexOf((byte)'>');
            if (close < 0)
            {
                return false;
            }

            var uri = s.Slice(open + 1, close - 1);
            var parameters = s[(open + close + 1)..];
            if (!IsPlainUri(uri) || !SipParameterEnumerator.Validate(parameters))
            {
                return false;
            }

            result = new SipNameAddr(display, uri, parameters, true, false);
            return true;
        }

        var end = 0;
        while (end < s.Length && s[end] != ';' && !SipChars.IsLws(s[end]))
        {
            end++;
        }

        var spec = s[..end];
        var tail = s[end..];
        if (!IsPlainUri(spec) || spec.IndexOfAny((byte)'?', (byte)',') >= 0 || !SipParameterEnumerator.Validate(tail))
        {
            return false;
        }

        result = new SipNameAddr(default, spec, tail, false, false);
        return true;
    }

    /// <summary>scheme ":" followed by URI characters only (no LWS, no brackets, no quotes).</summary>
    internal static bool IsPlainUri(ReadOnlySpan<byte> uri)
    {
        var colon = Acd.Sip.Uri.SipUri.SchemeLength(uri);
        if (colon <= 0 || colon == uri.Length - 1)
        {
            return false;
        }

        return SipChars.IsAllUriChars(uri);
    }
}
