using System.Buffers;

namespace Acd.Sip.Text;

/// <summary>Character classes of the RFC 3261 grammar (section 25.1) as byte lookups.</summary>
internal static class SipChars
{
    private const byte Token = 1;
    private const byte Wsp = 2;
    private const byte Lws = 4;
    private const byte Scheme = 8;
    private const byte UriChar = 16;
    private const byte Hex = 32;
    private const byte ParamChar = 64;

    private static readonly byte[] Classes = Build();

    /// <summary>RFC 3261 token characters, for vectorised scans.</summary>
    public static readonly SearchValues<byte> TokenValues = SearchValues.Create(Select(IsToken));

    /// <summary>Characters allowed in a URI as written in a message, for vectorised scans.</summary>
    public static readonly SearchValues<byte> UriValues = SearchValues.Create(Select(IsUriChar));

    /// <summary>Bytes that end a plain stretch of a comma-separated list: quote, angle brackets, comma.</summary>
    public static readonly SearchValues<byte> ListSpecials = SearchValues.Create("\"<>,"u8);

    private static byte[] Select(Func<byte, bool> predicate)
    {
        var list = new List<byte>();
        for (var b = 0; b < 256; b++)
        {
            if (predicate((byte)b))
            {
                list.Add((byte)b);
            }
        }

        return [.. list];
    }

    private static byte[] Build()
    {
        var t = new byte[256];
        for (var c = 'a'; c <= 'z'; c++)
        {
            t[c] |= Token | Scheme;
            t[char.ToUpperInvariant(c)] |= Token | Scheme;
        }

        for (var c = '0'; c <= '9'; c++)
        {
            t[c] |= Token | Scheme | Hex;
        }

        for (var c = 'a'; c <= 'f'; c++)
        {
            t[c] |= Hex;
            t[char.ToUpperInvariant(c)] |= Hex;
        }

        foreach (var c in "-.!%*_+`'~")
        {
            t[c] |= Token;
        }

        foreach (var c in "+-.")
        {
            t[c] |= Scheme;
        }

        // Everything that may appear in a URI as written in SIP (reserved, unreserved, escaped, and
        // the characters RFC 3261 allows in user/param/header parts). Excludes SP, controls, <, >, ", \.
        for (var c = 0x21; c < 0x7F; c++)
        {
            if (c is not ('<' or '>' or '"' or '\\' or '{' or '}' or '|' or '^'))
            {
                t[c] |= UriChar;
            }
        }

        // Parameter values: token plus the characters needed by IPv6 references and URI-ish values.
        for (var c = 0; c < 256; c++)
        {
            if ((t[c] & Token) != 0)
            {
                t[c] |= ParamChar;
            }
        }

        foreach (var c in "[]:/&$@?")
        {
            t[c] |= ParamChar;
        }

        t[' '] |= Wsp | Lws;
        t['\t'] |= Wsp | Lws;
        t['\r'] |= Lws;
        t['\n'] |= Lws;
        return t;
    }

    /// <summary>RFC 3261 token character.</summary>
    public static bool IsToken(byte b) => (Classes[b] & Token) != 0;

    /// <summary>SP or HTAB.</summary>
    public static bool IsWsp(byte b) => (Classes[b] & Wsp) != 0;

    /// <summary>SP, HTAB, CR or LF: inside a header value CR LF only occur as part of a fold, so this is LWS.</summary>
    public static bool IsLws(byte b) => (Classes[b] & Lws) != 0;

    public static bool IsSchemeChar(byte b) => (Classes[b] & Scheme) != 0;

    public static bool IsUriChar(byte b) => (Classes[b] & UriChar) != 0 || b >= 0x80;

    public static bool IsHex(byte b) => (Classes[b] & Hex) != 0;

    /// <summary>Characters allowed in an unquoted generic parameter value (token, IPv6 reference, host).</summary>
    public static bool IsParamChar(byte b) => (Classes[b] & ParamChar) != 0;

    public static bool IsAllTokens(ReadOnlySpan<byte> s) => !s.IsEmpty && s.IndexOfAnyExcept(TokenValues) < 0;

    /// <summary>Length of the run of token characters at the start of <paramref name="s"/>.</summary>
    public static int TokenLength(ReadOnlySpan<byte> s)
    {
        var i = s.IndexOfAnyExcept(TokenValues);
        return i < 0 ? s.Length : i;
    }

    /// <summary>True when every byte may appear in a URI (no LWS, controls, quotes or angle brackets).</summary>
    public static bool IsAllUriChars(ReadOnlySpan<byte> s) => s.IndexOfAnyExcept(UriValues) < 0;

    public static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>Skips linear white space (including folds) from the start.</summary>
    public static ReadOnlySpan<byte> TrimStartLws(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length && IsLws(s[i]))
        {
            i++;
        }

        return s[i..];
    }

    public static ReadOnlySpan<byte> TrimEndLws(ReadOnlySpan<byte> s)
    {
        var i = s.Length;
        while (i > 0 && IsLws(s[i - 1]))
        {
            i--;
        }

        return s[..i];
    }

    public static ReadOnlySpan<byte> TrimLws(ReadOnlySpan<byte> s) => TrimEndLws(TrimStartLws(s));

    /// <summary>
    /// Length of the quoted string starting at <paramref name="s"/>[0] (which must be '"'), including both quotes;
    /// -1 when it is not terminated.
    /// </summary>
    public static int QuotedLength(ReadOnlySpan<byte> s)
    {
        var i = 1;
        while (i < s.Length)
        {
            var j = s[i..].IndexOfAny((byte)'\\', (byte)'"');
            if (j < 0)
            {
                return -1;
            }

            i += j;
            if (s[i] == '"')
            {
                return i + 1;
            }

            i += 2; // skip the quoted-pair
        }

        return -1;
    }
}
