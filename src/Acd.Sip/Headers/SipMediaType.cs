using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>Content-Type or one Accept element: <c>type "/" subtype *(;param)</c>.</summary>
public readonly ref struct SipMediaType
{
    private SipMediaType(ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype, ReadOnlySpan<byte> parameters)
    {
        Type = type;
        Subtype = subtype;
        Parameters = parameters;
    }

    /// <summary>The top-level type (e.g. "application").</summary>
    public ReadOnlySpan<byte> Type { get; }

    /// <summary>The subtype (e.g. "sdp").</summary>
    public ReadOnlySpan<byte> Subtype { get; }

    /// <summary>Parameters (starting with ";").</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>Case-insensitive match of type and subtype; "*" in this value matches anything.</summary>
    public bool Matches(ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype) =>
        (Type.SequenceEqual("*"u8) || System.Text.Ascii.EqualsIgnoreCase(Type, type)) &&
        (Subtype.SequenceEqual("*"u8) || System.Text.Ascii.EqualsIgnoreCase(Subtype, subtype));

    /// <summary>Finds a parameter (e.g. "boundary").</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        SipParameterEnumerator.TryFind(Parameters, name, out value, out _);

    /// <summary>Parses "type/subtype;params" with optional LWS around "/".</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipMediaType result)
    {
        result = default;
        var s = SipChars.TrimLws(value);
        var slash = s.IndexOf((byte)'/');
        if (slash <= 0)
        {
            return false;
        }

        var type = SipChars.TrimEndLws(s[..slash]);
        var rest = SipChars.TrimStartLws(s[(slash + 1)..]);
        var n = 0;
        while (n < rest.Length && SipChars.IsToken(rest[n]))
        {
            n++;
        }

        var parameters = rest[n..];
        if (!SipChars.IsAllTokens(type) || n == 0 || !SipParameterEnumerator.Validate(parameters))
        {
            return false;
        }

        result = new SipMediaType(type, rest[..n], parameters);
        return true;
    }
}
