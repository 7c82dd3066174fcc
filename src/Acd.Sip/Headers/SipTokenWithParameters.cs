using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>
/// A value of the form <c>head *(;param)</c>: Event (event-type), Retry-After (delta-seconds [comment]),
/// Replaces (callid), Subscription-State, Reason. <see cref="Head"/> is the part before the parameters.
/// </summary>
public readonly ref struct SipTokenWithParameters
{
    private SipTokenWithParameters(ReadOnlySpan<byte> head, ReadOnlySpan<byte> comment, ReadOnlySpan<byte> parameters)
    {
        Head = head;
        Comment = comment;
        Parameters = parameters;
    }

    /// <summary>The leading value (event package, seconds, Call-ID...).</summary>
    public ReadOnlySpan<byte> Head { get; }

    /// <summary>A parenthesised comment after the head (Retry-After), including the parentheses; empty when absent.</summary>
    public ReadOnlySpan<byte> Comment { get; }

    /// <summary>Parameters (starting with ";").</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>Finds a parameter (ASCII case-insensitive); the value is raw.</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        SipParameterEnumerator.TryFind(Parameters, name, out value, out _);

    /// <summary>Whether a parameter is present (e.g. Replaces "early-only").</summary>
    public bool HasParameter(ReadOnlySpan<byte> name) => SipParameterEnumerator.TryFind(Parameters, name, out _, out _);

    /// <summary>Parses the head as the run of bytes up to ";", LWS or "(" (which must not be empty), then an optional comment and parameters.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipTokenWithParameters result)
    {
        result = default;
        var s = SipChars.TrimLws(value);
        var n = 0;
        while (n < s.Length && s[n] != ';' && s[n] != '(' && !SipChars.IsLws(s[n]))
        {
            n++;
        }

        if (n == 0)
        {
            return false;
        }

        var rest = SipChars.TrimStartLws(s[n..]);
        ReadOnlySpan<byte> comment = default;
        if (!rest.IsEmpty && rest[0] == '(')
        {
            var close = rest.IndexOf((byte)')');
            if (close < 0)
            {
                return false;
            }

            comment = rest[..(close + 1)];
            rest = rest[(close + 1)..];
        }

        if (!SipParameterEnumerator.Validate(rest))
        {
            return false;
        }

        result = new SipTokenWithParameters(s[..n], comment, rest);
        return true;
    }

    /// <summary>Retry-After / Expires style delta-seconds in <see cref="Head"/>; false on overflow or non-digits.</summary>
    public bool TryGetSeconds(out uint seconds) => SipNumber.TryParseUInt32(Head, out seconds);
}
